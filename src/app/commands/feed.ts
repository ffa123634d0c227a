import type { Command } from '../cli.ts'

// Placeholder until the owning issue lands; replaced by the real command.
export const command: Command = {
  summary: 'feed',
  run: async () => {
    process.stderr.write('gridedge feed: not implemented yet\n')
    return 2
  },
}
