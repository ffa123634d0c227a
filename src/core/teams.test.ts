import assert from 'node:assert/strict'
import { test } from 'node:test'
import { ESPN_TEAM_IDS, SPORTRADAR_TEAM_IDS, TEAMS, kalshiCode, toTeam } from './teams.ts'

test('every vendor spelling maps to one canonical franchise', () => {
  assert.equal(toTeam('JAC', 'kalshi'), 'JAX')
  assert.equal(toTeam('JAX', 'espn'), 'JAX')
  assert.equal(toTeam('JAC', 'sportradar'), 'JAX')
  assert.equal(toTeam('LAR', 'espn'), 'LA')
  assert.equal(toTeam('LAR', 'kalshi'), 'LA')
  assert.equal(toTeam('LA', 'kalshi'), 'LA')
  assert.equal(toTeam('WSH', 'espn'), 'WAS')
  assert.equal(toTeam('WAS', 'kalshi'), 'WAS')
  assert.equal(toTeam('OAK', 'nflverse'), 'LV')
  assert.equal(toTeam('SD', 'nflverse'), 'LAC')
  assert.equal(toTeam('STL', 'nflverse'), 'LA')
  assert.equal(toTeam('lac', 'nflverse'), 'LAC')
  assert.equal(toTeam('XYZ', 'nflverse'), undefined)
})

test('id tables cover all 32 franchises exactly once', () => {
  assert.equal(TEAMS.length, 32)
  assert.deepEqual(new Set(Object.values(SPORTRADAR_TEAM_IDS)), new Set(TEAMS))
  assert.deepEqual(new Set(Object.values(ESPN_TEAM_IDS)), new Set(TEAMS))
})

test('Kalshi ticker spelling depends on the season for the Rams', () => {
  assert.equal(kalshiCode('JAX', 2025), 'JAC')
  assert.equal(kalshiCode('LA', 2025), 'LA')
  assert.equal(kalshiCode('LA', 2026), 'LAR')
  assert.equal(kalshiCode('BUF', 2026), 'BUF')
})
