// macOS and the BSDs for `listenconfig doctor`: the sysctl Go reads for
// maxListenerBacklog, through the same probe lib/backlog/bsd.ts uses.
import { sysctlName, sysctlProbe } from '../../backlog/bsd';

/** The sysctl that caps listen(2)'s backlog here (kern.ipc.somaxconn, …), with its value. */
export function somaxconn(platform: string): { name: string; value: number | undefined } | undefined {
  const name = sysctlName(platform);
  return name === undefined ? undefined : { name, value: sysctlProbe.sysctlUint32(name) };
}
