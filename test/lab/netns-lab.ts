// A tiny network of Linux network namespaces for tests: a client on the "public" segment
// (TEST-NET 203.0.113.0/24), a firewall between it and a private segment (10.77.x.0/24), and
// VMs behind the firewall. Traffic only ever flows between namespaces this lab created; every
// helper refuses to run a command anywhere else. Requires root, iproute2, iptables and nft.
import { execFileSync, spawn, type ChildProcess } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { spawnAsync } from '../spawn-async.js';

export interface Lab {
  id: string;
  firewall: string;
  client: string;
  vms: { ns: string; ip: string }[];
  publicNet: string;
  firewallPublicIp: string;
  firewallPublicIf: string;
  clientIp: string;
  /** Runs argv inside one of this lab's namespaces (and nowhere else). */
  exec(ns: string, argv: string[], input?: string): string;
  /**
   * The same, without blocking this process: for node processes and other slow commands, so the
   * vitest worker's event loop turns (a worker blocked for 60 s misses its RPC reply). A non-zero
   * exit rejects with an error that carries `status`, `stdout` and `stderr`, as execFileSync's does.
   */
  execAsync(ns: string, argv: string[], input?: string): Promise<string>;
  /** Starts a long-running process inside a lab namespace; killed by destroy(). */
  spawn(ns: string, argv: string[]): ChildProcess;
  /** Opens a TCP connection from the client namespace and returns what the server said. */
  connectFromClient(host: string, port: number, timeoutMs?: number): string;
  /** A second client on its own public segment (198.51.100.0/24, TEST-NET-2), when asked for. */
  client2: string | null;
  client2Ip: string;
  /** Opens a TCP connection from any lab namespace and returns what the server said (TIMEOUT, ERROR code). */
  connectFrom(ns: string, host: string, port: number, timeoutMs?: number): string;
  destroy(): void;
}

export function labAvailable(): { ok: true } | { ok: false; why: string } {
  if (process.getuid?.() !== 0) return { ok: false, why: 'network-namespace lab needs root' };
  for (const tool of ['ip', 'iptables', 'nft']) {
    try {
      execFileSync('sh', ['-c', `command -v ${tool}`], { stdio: 'ignore' });
    } catch {
      return { ok: false, why: `${tool} is not installed` };
    }
  }
  return { ok: true };
}

const sh = (argv: string[], input?: string): string => execFileSync(argv[0]!, argv.slice(1), { encoding: 'utf8', input, stdio: ['pipe', 'pipe', 'pipe'] });

/** A TCP server that answers every connection with "<name> <peer address>" and closes. */
const whoamiServer = (name: string, port: number): string[] => [
  process.execPath,
  '-e',
  `require('net').createServer((s) => s.end(${JSON.stringify(name)} + ' ' + s.remoteAddress.replace('::ffff:', ''))).listen(${port}, '0.0.0.0')`,
];

export function createLab(vmCount = 1, options: { secondClient?: boolean } = {}): Lab {
  const id = randomBytes(3).toString('hex');
  const fw = `op-${id}-fw`;
  const cl = `op-${id}-cl`;
  const cl2 = options.secondClient ? `op-${id}-c2` : null;
  const vms = Array.from({ length: vmCount }, (_, i) => ({ ns: `op-${id}-vm${i}`, ip: `10.77.0.${10 + i}` }));
  const all = [fw, cl, ...(cl2 ? [cl2] : []), ...vms.map((v) => v.ns)];
  const children: ChildProcess[] = [];
  const mine = (ns: string): void => {
    if (!all.includes(ns)) throw new Error(`refusing to run outside the lab: ${ns} is not one of ${all.join(', ')}`);
  };
  const inNs = (ns: string, argv: string[], input?: string): string => {
    mine(ns);
    return sh(['ip', 'netns', 'exec', ns, ...argv], input);
  };

  try {
    for (const ns of all) {
      sh(['ip', 'netns', 'add', ns]);
      inNs(ns, ['ip', 'link', 'set', 'lo', 'up']);
    }
    // Public segment: client <-> firewall.
    sh(['ip', 'link', 'add', `c${id}`, 'netns', cl, 'type', 'veth', 'peer', 'name', `f${id}`, 'netns', fw]);
    inNs(cl, ['ip', 'addr', 'add', '203.0.113.100/24', 'dev', `c${id}`]);
    inNs(cl, ['ip', 'link', 'set', `c${id}`, 'up']);
    inNs(fw, ['ip', 'addr', 'add', '203.0.113.1/24', 'dev', `f${id}`]);
    inNs(fw, ['ip', 'link', 'set', `f${id}`, 'up']);
    // Like a workstation's default route, but it ends in the lab's firewall, which has none.
    inNs(cl, ['ip', 'route', 'add', 'default', 'via', '203.0.113.1']);
    if (cl2) {
      // A second public segment, so a test has one client a policy allows and one it does not.
      sh(['ip', 'link', 'add', `d${id}`, 'netns', cl2, 'type', 'veth', 'peer', 'name', `g${id}`, 'netns', fw]);
      inNs(cl2, ['ip', 'addr', 'add', '198.51.100.100/24', 'dev', `d${id}`]);
      inNs(cl2, ['ip', 'link', 'set', `d${id}`, 'up']);
      inNs(fw, ['ip', 'addr', 'add', '198.51.100.1/24', 'dev', `g${id}`]);
      inNs(fw, ['ip', 'link', 'set', `g${id}`, 'up']);
      inNs(cl2, ['ip', 'route', 'add', 'default', 'via', '198.51.100.1']);
    }
    // Private segment: a bridge in the firewall namespace, one veth per VM.
    inNs(fw, ['ip', 'link', 'add', `br${id}`, 'type', 'bridge']);
    inNs(fw, ['ip', 'addr', 'add', '10.77.0.1/24', 'dev', `br${id}`]);
    inNs(fw, ['ip', 'link', 'set', `br${id}`, 'up']);
    inNs(fw, ['sysctl', '-q', '-w', 'net.ipv4.ip_forward=1']);
    vms.forEach((vm, i) => {
      sh(['ip', 'link', 'add', `v${id}${i}`, 'netns', vm.ns, 'type', 'veth', 'peer', 'name', `p${id}${i}`, 'netns', fw]);
      inNs(fw, ['ip', 'link', 'set', `p${id}${i}`, 'master', `br${id}`]);
      inNs(fw, ['ip', 'link', 'set', `p${id}${i}`, 'up']);
      inNs(vm.ns, ['ip', 'addr', 'add', `${vm.ip}/24`, 'dev', `v${id}${i}`]);
      inNs(vm.ns, ['ip', 'link', 'set', `v${id}${i}`, 'up']);
      inNs(vm.ns, ['ip', 'route', 'add', 'default', 'via', '10.77.0.1']);
    });
  } catch (err) {
    for (const ns of all) spawnSyncQuiet(['ip', 'netns', 'del', ns]);
    throw err;
  }

  const lab: Lab = {
    id,
    firewall: fw,
    client: cl,
    vms,
    publicNet: '203.0.113.0/24',
    firewallPublicIp: '203.0.113.1',
    firewallPublicIf: `f${id}`,
    clientIp: '203.0.113.100',
    exec: inNs,
    async execAsync(ns, argv, input) {
      mine(ns);
      const r = await spawnAsync('ip', ['netns', 'exec', ns, ...argv], { input });
      if (r.status === 0) return r.stdout;
      throw Object.assign(new Error(`${argv.join(' ')} in ${ns}: exit ${r.status ?? r.signal}: ${r.stderr.trim()}`), r);
    },
    spawn(ns, argv) {
      mine(ns);
      const child = spawn('ip', ['netns', 'exec', ns, ...argv], { stdio: 'ignore' });
      children.push(child);
      return child;
    },
    client2: cl2,
    client2Ip: '198.51.100.100',
    connectFromClient(host, port, timeoutMs = 1500) {
      return lab.connectFrom(cl, host, port, timeoutMs);
    },
    connectFrom(ns, host, port, timeoutMs = 1500) {
      const script = `const s=require('net').connect(${port},${JSON.stringify(host)});let d='';s.setTimeout(${timeoutMs},()=>{console.log('TIMEOUT');process.exit(0)});s.on('data',c=>d+=c);s.on('end',()=>{console.log(d);process.exit(0)});s.on('error',e=>{console.log('ERROR '+e.code);process.exit(0)})`;
      return inNs(ns, [process.execPath, '-e', script]).trim();
    },
    destroy() {
      for (const c of children) c.kill('SIGKILL');
      for (const ns of all) spawnSyncQuiet(['ip', 'netns', 'del', ns]);
    },
  };
  return lab;
}

/** Starts the whoami server in each VM namespace and waits until it listens. */
export async function startVmServers(lab: Lab, port = 8080): Promise<void> {
  for (const vm of lab.vms) lab.spawn(vm.ns, whoamiServer(vm.ns, port));
  const deadline = Date.now() + 5000;
  for (const vm of lab.vms) {
    while (!lab.exec(vm.ns, ['ss', '-ltn']).includes(`:${port}`)) {
      if (Date.now() > deadline) throw new Error(`server in ${vm.ns} did not start`);
      await new Promise((r) => setTimeout(r, 50));
    }
  }
}

/** Starts the whoami server in the client namespace (to see the source address VMs use going out). */
export async function startClientServer(lab: Lab, port = 9090): Promise<void> {
  await startWhoami(lab, lab.client, 'client', port);
}

/** Starts a whoami server named `name` in any lab namespace and waits until it listens. */
export async function startWhoami(lab: Lab, ns: string, name: string, port: number): Promise<void> {
  lab.spawn(ns, whoamiServer(name, port));
  const deadline = Date.now() + 5000;
  while (!lab.exec(ns, ['ss', '-ltn']).includes(`:${port}`)) {
    if (Date.now() > deadline) throw new Error(`server ${name} in ${ns} did not start`);
    await new Promise((r) => setTimeout(r, 50));
  }
}

function spawnSyncQuiet(argv: string[]): void {
  try {
    execFileSync(argv[0]!, argv.slice(1), { stdio: 'ignore' });
  } catch {
    // already gone
  }
}
