import type { Command } from '../cli.ts'

// Placeholder until the owning issue lands; replaced by the real command.
export const command: Command = {
  summary: 'run',
  run: async () => {
    process.stderr.write('gridedge run: not implemented yet\n')
    return 2
  },
}
