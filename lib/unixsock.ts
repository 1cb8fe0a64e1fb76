// Unix stream sockets on the one socket() path (Go's unixsock.go and
// unixsock_posix.go): Control gets ('unix', path), Linux's abstract names
// are '@name', and the socket file is removed on close when this listener
// created it (Go's SetUnlinkOnClose). Accepted connections are net.Sockets
// on a pipe handle, what net.Server makes for a path.
import * as fs from 'node:fs';
import { constants as osConstants } from 'node:os';
import { dirname as pathDirname, join as pathJoin } from 'node:path';
import type * as net from 'node:net';
import { adoptUnix } from './adopt';
import { OpError, SyscallError, UnknownNetworkError, unsupportedNetwork, type Addr } from './errors';
import { NO_CONN_OPTIONS } from './keepalive';
import { StreamListener, type StreamListenerInit } from './stream-listener';
import { adoptUnixpacket } from './unixconn';
import { socket, unixRequest, type Control } from './sock';
import { constants } from './sockopt';
import { validateBooleanArg, type UnixOwner } from './validate';

/** The unix networks Go's ResolveUnixAddr knows. */
export type UnixNetwork = 'unix' | 'unixgram' | 'unixpacket';

/**
 * Go's *net.UnixAddr: `toString()` is the name, a path or '@abstract'.
 *
 * A name given as a string is encoded UTF-8 when used, as Node encodes
 * paths. A name may also be bytes (a Uint8Array, '@' first for the
 * abstract namespace): the kernel's names need not be UTF-8, and a name
 * read back that is not (a peer's, from readFrom) comes as a UnixAddr
 * whose `bytes` hold it exactly, so writeTo(buf, addr) reaches the same
 * name; its `name` shows the bad bytes as U+FFFD.
 */
export class UnixAddr implements Addr {
  readonly network: UnixNetwork;
  /** A path, '@name' for Linux's abstract namespace, '' for an unnamed socket. */
  readonly name: string;
  /** The name's exact bytes, when it was given as bytes or is not valid UTF-8; else undefined. */
  readonly bytes: Uint8Array | undefined;
  constructor(name: string | Uint8Array, network: UnixNetwork = 'unix') {
    if (typeof name === 'string') {
      this.name = name;
      this.bytes = undefined;
    } else {
      this.bytes = Uint8Array.from(name);
      this.name = Buffer.from(this.bytes).toString('utf8');
    }
    this.network = network;
  }
  toString(): string {
    return this.name;
  }
}

/** @internal A socket file a listener may remove on close: its path, device and inode. */
export interface BoundFile {
  path: string;
  dev: bigint;
  ino: bigint;
}

// The socket file's path, device and inode, read right after bind(2), per
// listener that created it: close() unlinks the path only while it still
// names that file (#19). A listener from fileListener has none, unless an
// Upgrader passed the record on (claimBoundFile).
const boundFiles = new WeakMap<UnixListener<unknown>, BoundFile>();

/** @internal The socket file this listener created, if it did. */
export function boundFileOf(ln: UnixListener<unknown>): BoundFile | undefined {
  return boundFiles.get(ln);
}

/**
 * @internal An inherited listener takes over the file its first process
 * created (Upgrader): it removes it on close, if the path still names it.
 */
export function claimBoundFile(ln: UnixListener<unknown>, file: BoundFile): void {
  boundFiles.set(ln, file);
  // The owner's own setUnlinkOnClose() is kept.
  if (unlinkChosen.has(ln)) return;
  ln.setUnlinkOnClose(true);
  unlinkChosen.delete(ln);
}

// Listeners whose owner called setUnlinkOnClose(): an Upgrader does not
// override that choice when it hands the file over (#19).
const unlinkChosen = new WeakSet<UnixListener<unknown>>();

/** @internal The package's own setUnlinkOnClose() default (fileListener's) is not the owner's choice. */
export function forgetUnlinkChoice(ln: UnixListener<unknown>): void {
  unlinkChosen.delete(ln);
}

/**
 * A listening unix stream socket (Go's *net.UnixListener), from
 * `ListenConfig.listen('unix', path)`. Closing it removes the socket file
 * it created, unless `setUnlinkOnClose(false)`; an abstract name ('@…') has
 * no file.
 */
export class UnixListener<C = net.Socket> extends StreamListener<UnixAddr, C> {
  #unlink = true;
  #unlinked = false;
  #warned = false;

  /**
   * Go's SetUnlinkOnClose: whether close() removes the socket file. The
   * default is true, since this listener's bind() created the file. On a
   * listener from `fileListener` or activation, `true` does nothing (Go's
   * would remove the path): it did not bind the file, so it cannot know
   * the file is its own; a `LISTENCONFIG_UNLINK_ON_CLOSE` warning says so,
   * once per listener.
   */
  setUnlinkOnClose(unlink: boolean): void {
    validateBooleanArg('unlink', unlink);
    this.#unlink = unlink;
    unlinkChosen.add(this);
    const name = this.addr().name;
    if (unlink && !this.#warned && boundFiles.get(this) === undefined && name !== '' && name[0] !== '@') {
      // A listener from fileListener or activation: Go's would remove the
      // path on close; this one cannot know the file there is its own.
      this.#warned = true;
      process.emitWarning(
        `setUnlinkOnClose(true) on unix listener ${name} does nothing: this listener did not bind the socket file (it came from a descriptor), so it cannot know the file is its own and never removes it`,
        { type: 'ListenConfigWarning', code: 'LISTENCONFIG_UNLINK_ON_CLOSE' },
      );
    }
  }

  /**
   * Removes the socket file (once, before the socket closes, as Go does),
   * then closes as every listener does. Unlike Go and libuv, the file is
   * removed only if the path still names the one this listener's bind(2)
   * created (same device and inode): after a restart removed it and bound
   * a new socket there, closing the old listener leaves the new file alone.
   */
  override close(): Promise<void> {
    const mine = boundFiles.get(this);
    if (!this.closed && !this.#unlinked && this.#unlink && mine !== undefined) {
      this.#unlinked = true;
      // Go ignores a failure too: the file may already be gone.
      unlinkIfSame(mine.path, mine);
    }
    return super.close();
  }
}

// Removes path if it still names the file `st` was read from.
function unlinkIfSame(path: string, st: { dev: bigint; ino: bigint }): void {
  try {
    const now = fs.lstatSync(path, { bigint: true });
    if (now.dev === st.dev && now.ino === st.ino) fs.unlinkSync(path);
  } catch {
    // gone already
  }
}

/** @internal The ListenConfig fields a unix listener needs. */
export interface UnixListenParams {
  backlog: number;
  control: Control | undefined;
  /** unixMode and unixOwner: applied to the file between bind and listen. */
  mode: number | undefined;
  owner: UnixOwner | undefined;
}

// unixMode/unixOwner (#19). The socket is bound to a temporary name in a
// fresh 0700 directory beside the path, where no other user can reach or
// replace it; the owner and mode are set there, then link(2) gives it the
// requested name and listen(2) follows. Setting them on the final path
// instead would follow a symlink swapped in after bind (a local user with
// write access to the directory could make root chmod any file), and a
// client whose connect() looked the path up while the file still had the
// umask's mode would get in once listen(2) ran. link(2), unlike rename(2),
// fails if the path exists, as bind(2) does.
//
// On Linux the private directory is reached through its descriptor
// (/proc/self/fd/N/s): a user who may write the parent directory could
// otherwise rename the temporary directory away and put one of theirs,
// holding a symlink or a hard link to a file of root's, under its name.
// macOS and the BSDs have no /proc (and Node no openat/fchmodat), nor has
// a Linux whose /proc is not mounted: there it is reached by its path, so
// every directory on that path must be one no other user can rename
// entries in. The parent is resolved (realpath) and the temporary
// directory made there; each directory from it up to / must be owned by
// this user or root, and not writable by group or others unless sticky
// (as /tmp is); any other is refused. A rename anywhere above would swap
// the temporary name just as well as one in the parent. The socket file
// is hard-linked as on Linux (BSD sockets are vnodes: connect through a
// link reaches the socket). chmod of a path, since Linux's fchmod on a
// socket descriptor changes the socket's inode, not the file's
// (measured), and FreeBSD's fails with EINVAL; lchmod where Node has it
// (macOS), which does not follow a symlink put in the entry's place.
function applyFileOptions(path: string, p: UnixListenParams): void {
  if (p.owner !== undefined) sys('chown', () => fs.lchownSync(path, p.owner?.uid ?? -1, p.owner?.gid ?? -1));
  if (p.mode !== undefined) {
    const lchmod = (fs as { lchmodSync?: (path: string, mode: number) => void }).lchmodSync;
    const mode = p.mode;
    sys('chmod', () => (lchmod !== undefined ? lchmod(path, mode) : fs.chmodSync(path, mode)));
  }
}

function sys<T>(syscall: string, f: () => T): T {
  try {
    return f();
  } catch (e) {
    const errno = (e as { errno?: unknown }).errno;
    throw typeof errno === 'number' ? new SyscallError(syscall, errno) : e;
  }
}

// sockaddr_un's sun_path: a path must be shorter (sockaddr.cc).
const SUN_PATH = process.platform === 'linux' ? 108 : 104;

interface TempName {
  /** The directory's own path, for rmdir. */
  dir: string;
  /** Its descriptor, when the name goes through /proc/self/fd. */
  fd: number | undefined;
  /** The name to bind, chmod and link from. */
  path: string;
}

// How the private directory is reached: 'proc' on Linux with /proc
// mounted, 'path' elsewhere.
let tempVia: 'proc' | 'path' | undefined;

/**
 * @internal The spec forces 'path' (macOS's and the BSDs' way) on Linux so
 * that this machine runs it too; undefined restores the OS's own.
 */
export function setUnixTempVia(via: 'proc' | 'path' | undefined): void {
  tempVia = via;
}

const S_ISVTX = 0o1000;

// The portable way's condition on every directory above the socket (see
// above); returns the parent's real path, where the temporary directory
// goes.
function checkAncestors(base: string): string {
  const real = sys('realpath', () => fs.realpathSync(base));
  const euid = process.geteuid?.() ?? 0;
  for (let dir = real; ; dir = pathDirname(dir)) {
    const st = sys('lstat', () => fs.lstatSync(dir));
    if (st.uid !== euid && st.uid !== 0) {
      throw new Error(
        `unixMode and unixOwner: the directory ${dir} belongs to another user (uid ${st.uid}), who could swap the temporary name bound under it; on this OS (no /proc) every directory above the socket must be this user's or root's`,
      );
    }
    if ((st.mode & 0o022) !== 0 && (st.mode & S_ISVTX) === 0) {
      throw new Error(
        `unixMode and unixOwner: the directory ${dir} is writable by other users and not sticky (mode ${(st.mode & 0o7777).toString(8).padStart(4, '0')}), so the temporary name bound under it could be swapped; on this OS (no /proc) every directory above the socket must be one only its owner may change, or sticky`,
      );
    }
    if (pathDirname(dir) === dir) return real;
  }
}

function osTempVia(): 'proc' | 'path' {
  return process.platform === 'linux' && fs.existsSync('/proc/self/fd') ? 'proc' : 'path';
}

// The private directory and the name to bind in it.
function tempName(network: string, laddr: UnixAddr, path: string): TempName {
  const fail = (e: unknown): never => {
    throw new OpError('listen', network, laddr, e as Error);
  };
  let base = pathDirname(path);
  const viaProc = (tempVia ?? osTempVia()) === 'proc';
  let dir = '';
  try {
    if (!viaProc) {
      base = checkAncestors(base);
      // `<parent>/.lcXXXXXX/s`, short, so that a path near the limit still fits.
      const needed = Buffer.byteLength(pathJoin(base, '.lcXXXXXX', 's'));
      if (needed >= SUN_PATH) {
        throw new Error(
          `unixMode and unixOwner bind a temporary name beside the socket file first, ${needed} bytes long here: it must be shorter than sun_path's ${SUN_PATH} bytes`,
        );
      }
    }
    dir = sys('mkdtemp', () => fs.mkdtempSync(pathJoin(base, '.lc')));
  } catch (e) {
    fail(e);
  }
  if (!viaProc) return { dir, fd: undefined, path: pathJoin(dir, 's') };
  let fd: number | undefined;
  try {
    const flags = fs.constants.O_RDONLY | fs.constants.O_DIRECTORY | fs.constants.O_NOFOLLOW;
    fd = sys('open', () => fs.openSync(dir, flags));
    // Still a directory of ours that no one else may enter, as mkdtemp
    // made it (not its link count: btrfs counts 1 for every directory).
    const st = fs.fstatSync(fd);
    if (st.uid !== process.geteuid?.() || (st.mode & 0o077) !== 0) {
      throw new Error(`unixMode and unixOwner: the temporary directory ${dir} was replaced`);
    }
  } catch (e) {
    if (fd !== undefined) fs.closeSync(fd);
    try {
      fs.rmdirSync(dir);
    } catch {
      // not ours any more
    }
    fail(e);
  }
  return { dir, fd, path: `/proc/self/fd/${fd}/s` };
}

function removeTemp(t: TempName): void {
  try {
    fs.unlinkSync(t.path);
  } catch {
    // not bound, or already linked and then removed
  }
  if (t.fd !== undefined) fs.closeSync(t.fd);
  try {
    fs.rmdirSync(t.dir);
  } catch {
    // gone, or not empty (then not ours)
  }
}

/** @internal Go's ResolveUnixAddr and sysListener.listenUnix. */
export async function listenUnix(
  p: UnixListenParams,
  network: string,
  address: string,
  signal: AbortSignal | undefined,
): Promise<UnixListener<unknown>> {
  if (network !== 'unix' && network !== 'unixgram' && network !== 'unixpacket') {
    throw new OpError('listen', network, undefined, new UnknownNetworkError(network));
  }
  const laddr = new UnixAddr(address, network);
  if (network === 'unixgram') {
    // Go 1.19 returns a UnixListener over a datagram socket here, whose
    // Accept can only fail; a datagram socket is ListenPacket's.
    throw unsupportedNetwork(
      network,
      laddr,
      "network unixgram is a datagram network: it has no listener; listenPacket('unixgram', address) opens one (Go's ListenPacket)",
    );
  }
  if (process.platform === 'win32') {
    // Winsock has AF_UNIX since Windows 10 1803, but libuv's Windows pipes
    // are named pipes: an AF_UNIX SOCKET cannot become a net.Socket.
    throw unsupportedNetwork(
      network,
      laddr,
      network === 'unixpacket'
        ? "network unixpacket is not supported on Windows: Winsock's AF_UNIX has stream sockets only"
        : "network unix is not supported on Windows: Node's pipes there are named pipes, which cannot carry an AF_UNIX socket",
    );
  }
  const fileOptions = p.mode !== undefined || p.owner !== undefined;
  if (fileOptions && (address === '' || address[0] === '@' || address[0] === '\0')) {
    throw unsupportedNetwork(
      network,
      laddr,
      'unixMode and unixOwner apply to a socket file: an abstract or unnamed socket has none',
    );
  }
  // The name bind(2) gives the file: the kernel stops at a NUL.
  const nul = address.indexOf('\0');
  const fsPath = nul === -1 ? address : address.slice(0, nul);
  const temp = fileOptions ? tempName(network, laddr, fsPath) : undefined;
  let bound: fs.BigIntStats | undefined;
  let linked = false;
  try {
    return await socket(
      {
        network,
        laddr,
        ...unixRequest(
          network,
          // SOCK_SEQPACKET keeps message boundaries, which a net.Socket (a byte
          // stream) would merge: its connections are UnixConns (unixconn.ts).
          network === 'unixpacket' ? (constants.SOCK_SEQPACKET as number) : constants.SOCK_STREAM,
          address,
        ),
        control: p.control,
        signal,
        bind: { host: temp?.path ?? address, zone: '', port: 0 },
        listen: {
          backlog: p.backlog,
          beforeListen: () => {
            if (address === '' || address[0] === '@' || address[0] === '\0') return;
            if (temp !== undefined) {
              applyFileOptions(temp.path, p);
              bound = sys('lstat', () => fs.lstatSync(temp.path, { bigint: true }));
              try {
                sys('link', () => fs.linkSync(temp.path, fsPath));
              } catch (e) {
                // The path is taken: what bind(2) on it would have said.
                if ((e as { code?: unknown }).code === 'EEXIST')
                  throw new SyscallError('bind', -osConstants.errno.EADDRINUSE);
                throw e;
              }
              linked = true;
              return;
            }
            try {
              bound = fs.lstatSync(fsPath, { bigint: true });
            } catch (e) {
              // bind(2) created the file an instant ago (it fails when the
              // path exists). If lstat says the path or a directory on it is
              // gone (ENOENT, ENOTDIR), so is that file: a file there now is
              // someone else's. Otherwise the path names it still, unless a
              // user who may write the directory changed it since; remove it
              // rather than leave a file no listener will remove.
              const code = (e as { code?: unknown }).code;
              if (code !== 'ENOENT' && code !== 'ENOTDIR') {
                try {
                  fs.unlinkSync(fsPath);
                } catch {
                  // gone, or not reachable: nothing of ours to remove
                }
              }
              const errno = (e as { errno?: unknown }).errno;
              throw typeof errno === 'number' ? new SyscallError('lstat', errno) : e;
            }
          },
        },
      },
      ({ sock, name, backlog }) => {
        const ln = new UnixListener({
          sock,
          network,
          // With a temporary name, getsockname() names it: the listener's
          // address is the path it now has.
          addr: temp !== undefined ? new UnixAddr(fsPath, network) : new UnixAddr(name.raw ?? name.host, network),
          backlog,
          connOptions: NO_CONN_OPTIONS,
          queue: () => undefined,
          adopt: (network === 'unixpacket' ? adoptUnixpacket(network) : adoptUnix) as StreamListenerInit<
            UnixAddr,
            net.Socket
          >['adopt'],
        });
        if (bound !== undefined) boundFiles.set(ln, { path: fsPath, dev: bound.dev, ino: bound.ino });
        return ln;
      },
    );
  } catch (e) {
    // A failure after the file got its name (listen(2), getsockname, the
    // UnixListener's construction in socket()'s make step) leaves no file
    // behind: only ours.
    if ((linked || temp === undefined) && bound !== undefined) unlinkIfSame(fsPath, bound);
    throw e;
  } finally {
    if (temp !== undefined) removeTemp(temp);
  }
}
