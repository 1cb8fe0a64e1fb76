import { ListenConfig, type Listener } from 'listenconfig';
const lc: ListenConfig = new ListenConfig({ backlog: 1 });
lc.listen('tcp', ':0').then((ln: Listener) => ln.close());
