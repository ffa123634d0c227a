/**
 * One canonical code per franchise (the current nflverse code) and the mapping from every
 * vendor's code to it. Relocated franchises keep one identity: OAK -> LV, SD -> LAC, STL -> LA.
 * Spec: shared/specs/game-feeds.md §6.
 */
export const TEAMS = [
  'ARI', 'ATL', 'BAL', 'BUF', 'CAR', 'CHI', 'CIN', 'CLE', 'DAL', 'DEN', 'DET', 'GB', 'HOU', 'IND', 'JAX', 'KC',
  'LV', 'LAC', 'LA', 'MIA', 'MIN', 'NE', 'NO', 'NYG', 'NYJ', 'PHI', 'PIT', 'SF', 'SEA', 'TB', 'TEN', 'WAS',
] as const // prettier-ignore

export type Team = (typeof TEAMS)[number]
export type TeamSource = 'nflverse' | 'sportradar' | 'espn' | 'kalshi' | 'gamebook'

const TEAM_SET: ReadonlySet<string> = new Set(TEAMS)

export function isTeam(code: string): code is Team {
  return TEAM_SET.has(code)
}

/** Codes that differ from the canonical one, per source. Anything not listed maps to itself. */
const ALIASES: Readonly<Record<TeamSource, Readonly<Record<string, Team>>>> = {
  // Historical codes appear in nflverse game ids and the schedule.
  nflverse: { OAK: 'LV', SD: 'LAC', STL: 'LA', LAR: 'LA', JAC: 'JAX', WSH: 'WAS' },
  sportradar: { JAC: 'JAX', LA: 'LA', LAR: 'LA', OAK: 'LV', SD: 'LAC', STL: 'LA' },
  espn: { JAX: 'JAX', LAR: 'LA', WSH: 'WAS', OAK: 'LV', SD: 'LAC', STL: 'LA' },
  // Kalshi: JAC for Jacksonville, LA in 2025 tickers and LAR from 2026.
  kalshi: { JAC: 'JAX', LAR: 'LA', LA: 'LA', WSH: 'WAS' },
  gamebook: {
    ARZ: 'ARI',
    BLT: 'BAL',
    CLV: 'CLE',
    HST: 'HOU',
    JAC: 'JAX',
    LAR: 'LA',
    SL: 'LA',
    OAK: 'LV',
    SD: 'LAC',
  },
}

/** Maps a vendor code to the canonical team, or `undefined` if it is not a known code for that source. */
export function toTeam(code: string, source: TeamSource): Team | undefined {
  const upper = code.trim().toUpperCase()
  const alias = ALIASES[source][upper]
  if (alias !== undefined) return alias
  return isTeam(upper) ? upper : undefined
}

/** Kalshi's spelling for a canonical team in a ticker of the given season (LA became LAR in 2026). */
export function kalshiCode(team: Team, season: number): string {
  if (team === 'JAX') return 'JAC'
  if (team === 'LA') return season >= 2026 ? 'LAR' : 'LA'
  return team
}

/** All Kalshi spellings that may denote `team` (used when splitting concatenated ticker team blocks). */
export const KALSHI_CODES: readonly string[] = [...TEAMS.filter((t) => t !== 'JAX'), 'JAC', 'LAR']

/** Sportradar team UUIDs (stable ids; compare ids, not aliases). */
export const SPORTRADAR_TEAM_IDS: Readonly<Record<string, Team>> = {
  'de760528-1dc0-416a-a978-b510d20692ff': 'ARI',
  'e6aa13a4-0055-48a9-bc41-be28dc106929': 'ATL',
  'ebd87119-b331-4469-9ea6-d51fe3ce2f1c': 'BAL',
  '768c92aa-75ff-4a43-bcc0-f2798c2e1724': 'BUF',
  'f14bf5cc-9a82-4a38-bc15-d39f75ed5314': 'CAR',
  '7b112545-38e6-483c-a55c-96cf6ee49cb8': 'CHI',
  'ad4ae08f-d808-42d5-a1e6-e9bc4e34d123': 'CIN',
  'd5a2eb42-8065-4174-ab79-0a6fa820e35e': 'CLE',
  'e627eec7-bbae-4fa4-8e73-8e1d6bc5c060': 'DAL',
  'ce92bd47-93d5-4fe9-ada4-0fc681e6caa0': 'DEN',
  'c5a59daa-53a7-4de0-851f-fb12be893e9e': 'DET',
  'a20471b4-a8d9-40c7-95ad-90cc30e46932': 'GB',
  '82d2d380-3834-4938-835f-aec541e5ece7': 'HOU',
  '82cf9565-6eb9-4f01-bdbd-5aa0d472fcd9': 'IND',
  'f7ddd7fa-0bae-4f90-bc8e-669e4d6cf2de': 'JAX',
  '6680d28d-d4d2-49f6-aace-5292d3ec02c2': 'KC',
  '2eff2a03-54d4-46ba-890e-2bc3925548f3': 'LA',
  '1f6dcffb-9823-43cd-9ff4-e7a8466749b5': 'LAC',
  '7d4fcc64-9cb5-4d1b-8e75-8a906d1e1576': 'LV',
  '4809ecb0-abd3-451d-9c4a-92a90b83ca06': 'MIA',
  '33405046-04ee-4058-a950-d606f8c30852': 'MIN',
  '97354895-8c77-4fd4-a860-32e62ea7382a': 'NE',
  '0d855753-ea21-4953-89f9-0e20aff9eb73': 'NO',
  '04aa1c9d-66da-489d-b16a-1dee3f2eec4d': 'NYG',
  '5fee86ae-74ab-4bdd-8416-42a9dd9964f3': 'NYJ',
  '386bdbf9-9eea-4869-bb9a-274b0bc66e80': 'PHI',
  'cb2f9f1f-ac67-424e-9e72-1475cb0ed398': 'PIT',
  '3d08af9e-c767-4f88-a7dc-b920c6d2b4a8': 'SEA',
  'f0e724b0-4cbf-495a-be47-013907608da9': 'SF',
  '4254d319-1bc7-4f81-b4ab-b5e6f3402b69': 'TB',
  'd26a1ca5-722d-4274-8f97-c92e49c96315': 'TEN',
  '22052ff7-c065-42ee-bc8f-c4691c50e624': 'WAS',
}

/** ESPN numeric team ids (ids skip 31 and 32). */
export const ESPN_TEAM_IDS: Readonly<Record<string, Team>> = {
  '22': 'ARI', '1': 'ATL', '33': 'BAL', '2': 'BUF', '29': 'CAR', '3': 'CHI', '4': 'CIN', '5': 'CLE',
  '6': 'DAL', '7': 'DEN', '8': 'DET', '9': 'GB', '34': 'HOU', '11': 'IND', '30': 'JAX', '12': 'KC',
  '13': 'LV', '24': 'LAC', '14': 'LA', '15': 'MIA', '16': 'MIN', '17': 'NE', '18': 'NO', '19': 'NYG',
  '20': 'NYJ', '21': 'PHI', '23': 'PIT', '25': 'SF', '26': 'SEA', '27': 'TB', '10': 'TEN', '28': 'WAS',
} // prettier-ignore

/**
 * The place name gamebook and ESPN play text use for a club ("Denver challenged the ... ruling"). Two
 * clubs share New York and Los Angeles; relocated clubs keep today's place (Las Vegas, not Oakland).
 */
const LOCATION: Readonly<Record<Team, string>> = {
  ARI: 'Arizona', ATL: 'Atlanta', BAL: 'Baltimore', BUF: 'Buffalo', CAR: 'Carolina', CHI: 'Chicago',
  CIN: 'Cincinnati', CLE: 'Cleveland', DAL: 'Dallas', DEN: 'Denver', DET: 'Detroit', GB: 'Green Bay',
  HOU: 'Houston', IND: 'Indianapolis', JAX: 'Jacksonville', KC: 'Kansas City', LV: 'Las Vegas',
  LAC: 'Los Angeles', LA: 'Los Angeles', MIA: 'Miami', MIN: 'Minnesota', NE: 'New England',
  NO: 'New Orleans', NYG: 'New York', NYJ: 'New York', PHI: 'Philadelphia', PIT: 'Pittsburgh',
  SF: 'San Francisco', SEA: 'Seattle', TB: 'Tampa Bay', TEN: 'Tennessee', WAS: 'Washington',
} // prettier-ignore

/** The club's place name as play text writes it (shared by the two New York and the two Los Angeles clubs). */
export function teamLocation(team: Team): string {
  return LOCATION[team]
}
