// listenconfig doctor (issue 12): not built yet.
import { CliError, type Command } from './command';

export const command: Command = {
  name: 'doctor',
  summary: '',
  help: 'Usage: listenconfig doctor',
  async run(): Promise<number> {
    throw new CliError('doctor is not built yet');
  },
};
