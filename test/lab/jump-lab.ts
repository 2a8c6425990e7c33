// A jump host in front of targets that only it can reach: a network namespace of its own whose
// loopback holds the target sshds and the jump sshd. The test process (root namespace) reaches the
// jump sshd through a small TCP bridge on its own 127.0.0.1 (each connection is piped into the
// namespace by `ip netns exec`), and nothing else: a target's address, 127.0.0.1:<port> in the
// namespace, names nothing in the root namespace, so a connection that skips the jump host fails.
// Nothing leaves the machine and the root namespace's network is not touched. Needs root.
import { execFileSync, spawn, type ChildProcess } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { createServer, type AddressInfo, type Server } from 'node:net';
import { startSshd, type Sshd } from '../peers/openssh-server.js';

export interface JumpLab {
  ns: string;
  /** The jump sshd inside the namespace (its log shows the forwards it made). */
  jumpSshd: Sshd;
  /** Where the test process reaches the jump host: 127.0.0.1:<port> (the bridge). */
  jumpPort: number;
  /**
   * With `innerJump`: a second jump sshd on the namespace's 127.0.0.1 with its own authorized keys,
   * reachable (like the targets) only through the first: the second hop of a two-hop chain.
   */
  innerJumpSshd: Sshd | null;
  /** Target sshds on the namespace's 127.0.0.1, reachable only through the jump host. */
  targets: Sshd[];
  /** TCP connections the bridge carried to the jump host so far (= logins on the bastion). */
  jumpConnections(): number;
  destroy(): void;
}

/** `targetListen: '0.0.0.0'` lets one target sshd stand for many hosts (127.0.0.x inside the namespace: its loopback is the whole /8). */
export async function createJumpLab(o: { dir: string; authorizedKeys: string[]; targets: number; jumpExtra?: string[]; targetListen?: string; innerJump?: { authorizedKeys: string[] } }): Promise<JumpLab> {
  const ns = `op-${randomBytes(3).toString('hex')}-jmp`;
  execFileSync('ip', ['netns', 'add', ns]);
  const children: ChildProcess[] = [];
  const sshds: Sshd[] = [];
  let bridge: Server | null = null;
  const destroy = (): void => {
    bridge?.close();
    for (const c of children) c.kill('SIGKILL');
    for (const s of sshds) s.stop();
    try {
      execFileSync('ip', ['netns', 'del', ns], { stdio: 'ignore' });
    } catch {
      // already gone
    }
  };
  try {
    execFileSync('ip', ['netns', 'exec', ns, 'ip', 'link', 'set', 'lo', 'up']);
    const jumpSshd = await startSshd({ dir: o.dir, netns: ns, authorizedKeys: o.authorizedKeys, extra: ['LogLevel DEBUG1', ...(o.jumpExtra ?? [])] });
    sshds.push(jumpSshd);
    const innerJumpSshd = o.innerJump ? await startSshd({ dir: o.dir, netns: ns, authorizedKeys: o.innerJump.authorizedKeys, extra: ['LogLevel DEBUG1'] }) : null;
    if (innerJumpSshd) sshds.push(innerJumpSshd);
    const targets: Sshd[] = [];
    for (let i = 0; i < o.targets; i++) {
      const t = await startSshd({ dir: o.dir, netns: ns, authorizedKeys: o.authorizedKeys, ...(o.targetListen ? { listen: o.targetListen } : {}) });
      sshds.push(t);
      targets.push(t);
    }
    let connections = 0;
    const pipe = `const s=require('net').connect(${jumpSshd.port},'127.0.0.1');process.stdin.pipe(s);s.pipe(process.stdout);s.on('close',()=>process.exit(0));s.on('error',()=>process.exit(1));process.stdin.on('end',()=>s.end())`;
    bridge = createServer((socket) => {
      connections++;
      const child = spawn('ip', ['netns', 'exec', ns, process.execPath, '-e', pipe], { stdio: ['pipe', 'pipe', 'ignore'] });
      children.push(child);
      child.stdin!.on('error', () => undefined);
      socket.pipe(child.stdin!);
      child.stdout!.pipe(socket);
      socket.on('error', () => child.kill('SIGKILL'));
      socket.on('close', () => child.kill('SIGKILL'));
      child.on('exit', () => socket.destroy());
    });
    await new Promise<void>((resolve) => bridge!.listen(0, '127.0.0.1', resolve));
    return { ns, jumpSshd, innerJumpSshd, jumpPort: (bridge.address() as AddressInfo).port, targets, jumpConnections: () => connections, destroy };
  } catch (err) {
    destroy();
    throw err;
  }
}
