// listenconfig burst (issue 12): not built yet.
import { CliError, type Command } from './command';

export const command: Command = {
  name: 'burst',
  summary: '',
  help: 'Usage: listenconfig burst',
  async run(): Promise<number> {
    throw new CliError('burst is not built yet');
  },
};
