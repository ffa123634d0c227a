import type { Command } from '../cli.ts'

// Placeholder until the owning issue lands; replaced by the real command.
export const command: Command = {
  summary: 'model',
  run: async () => {
    process.stderr.write('gridedge model: not implemented yet\n')
    return 2
  },
}
