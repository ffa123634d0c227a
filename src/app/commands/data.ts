import type { Command } from '../cli.ts'

// Placeholder until the owning issue lands; replaced by the real command.
export const command: Command = {
  summary: 'data',
  run: async () => {
    process.stderr.write('gridedge data: not implemented yet\n')
    return 2
  },
}
