// listenconfig conformance (issue 12): not built yet.
import { CliError, type Command } from './command';

export const command: Command = {
  name: 'conformance',
  summary: '',
  help: 'Usage: listenconfig conformance',
  async run(): Promise<number> {
    throw new CliError('conformance is not built yet');
  },
};
