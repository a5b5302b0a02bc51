// `mailflow serve` as a child process: a config on loopback ports written
// into a temporary directory, the start-up summary read for the SMTP and
// console addresses, the generated admin token read from the data
// directory, and a stop by SIGTERM (SIGKILL if it does not go in time).

import { spawn } from 'node:child_process';
import dgram from 'node:dgram';
import fs from 'node:fs';
import net from 'node:net';
import path from 'node:path';
import { within } from './poll.mjs';

const START_TIMEOUT_MS = 30_000;
const STOP_TIMEOUT_MS = 15_000;

/** A loopback TCP port nothing listens on (it was free a moment ago). */
export async function unusedTcpPort() {
  const server = net.createServer();
  await new Promise((resolve, reject) => {
    server.once('error', reject);
    server.listen(0, '127.0.0.1', resolve);
  });
  const { port } = server.address();
  await new Promise((resolve) => server.close(resolve));
  return port;
}

/** A loopback UDP port nothing listens on: a name server that never answers. */
export async function unusedUdpPort() {
  const socket = dgram.createSocket('udp4');
  await new Promise((resolve, reject) => {
    socket.once('error', reject);
    socket.bind(0, '127.0.0.1', resolve);
  });
  const { port } = socket.address();
  await new Promise((resolve) => socket.close(resolve));
  return port;
}

/**
 * Writes `dir/mailflow.toml`: SMTP and the console on ephemeral loopback
 * ports; contoso.test an internal-relay domain carried by the on-premises
 * connector `to-onprem` to `onPremPort` (where nothing listens);
 * alice@contoso.test in the directory; DNS asked only of `dnsPort` on
 * loopback, so that no lookup leaves the machine.
 */
export function writeConfig(dir, { onPremPort, dnsPort }) {
  const config = `# Written by mailflow's browser tests.
[server]
hostname = "relay.test"
smtp_listen = ["127.0.0.1:0"]

[admin]
listen = "127.0.0.1:0"

[store]
path = ${JSON.stringify(path.join(dir, 'data'))}

[dns]
nameservers = ["127.0.0.1:${dnsPort}"]
timeout = "1s"

[[accepted_domains]]
name = "contoso.test"
type = "internal_relay"

[[connectors]]
name = "to-onprem"
kind = "on_premises"
recipient_domains = ["contoso.test"]
smart_hosts = ["127.0.0.1:${onPremPort}"]
tls = "opportunistic"

[directory]
recipients = ["alice@contoso.test"]
`;
  const file = path.join(dir, 'mailflow.toml');
  fs.writeFileSync(file, config);
  return file;
}

/** The value after `label:` in the summary's lines, if it is there. */
function valueOf(lines, label) {
  const line = lines.find((l) => l.trim().startsWith(`${label}:`));
  return line?.slice(line.indexOf(':') + 1).trim();
}

export class Node {
  /**
   * Starts `binary serve --config configFile`, its logs (stderr) written to
   * `logFile`, and waits for its start-up summary.
   */
  static async start(binary, configFile, logFile) {
    const dir = path.dirname(configFile);
    const log = fs.openSync(logFile, 'w');
    const child = spawn(binary, ['serve', '--config', configFile], {
      cwd: dir,
      stdio: ['ignore', 'pipe', log],
      env: { ...process.env, RUST_BACKTRACE: '1' },
    });
    fs.closeSync(log);
    const node = new Node(child, path.join(dir, 'data'));
    try {
      await within('mailflow serve to print its summary', START_TIMEOUT_MS, node.summary());
    } catch (error) {
      await node.stop();
      const logs = fs.readFileSync(logFile, 'utf8').split('\n').slice(-30).join('\n');
      throw new Error(`${error.message}\nits stdout:\n${node.stdout}\nits log:\n${logs}`);
    }
    return node;
  }

  constructor(child, dataDir) {
    this.child = child;
    this.dataDir = dataDir;
    this.stdout = '';
    this.exited = new Promise((resolve) => {
      child.once('exit', (code, signal) => resolve({ code, signal }));
      // Not started at all (no such binary): there is nothing to stop.
      child.once('error', (error) => resolve({ code: null, signal: null, error }));
    });
    child.stdout.setEncoding('utf8');
    child.stdout.on('data', (chunk) => {
      this.stdout += chunk;
    });
  }

  async summary() {
    for (;;) {
      const lines = this.stdout.split('\n');
      const console = valueOf(lines, 'console');
      const smtp = valueOf(lines, 'SMTP');
      if (console && smtp && valueOf(lines, 'org settings')) {
        this.consoleUrl = console.replace(/\/$/, '');
        this.smtpPort = Number(smtp.split(',')[0].trim().split(':').pop());
        this.token = fs.readFileSync(path.join(this.dataDir, 'admin-token'), 'utf8').trim();
        return;
      }
      const more = new Promise((resolve) => this.child.stdout.once('data', () => resolve(null)));
      const exit = await Promise.race([more, this.exited]);
      if (exit?.error) throw new Error(`mailflow serve did not start: ${exit.error.message}`);
      if (exit) throw new Error(`mailflow serve exited (code ${exit.code}, signal ${exit.signal})`);
    }
  }

  /** A call to the admin API with the admin token; its JSON answer. */
  async api(pathAndQuery) {
    const response = await fetch(`${this.consoleUrl}${pathAndQuery}`, {
      headers: { authorization: `Bearer ${this.token}` },
      signal: AbortSignal.timeout(10_000),
    });
    if (!response.ok) throw new Error(`GET ${pathAndQuery}: ${response.status} ${await response.text()}`);
    return response.json();
  }

  /** SIGTERM, then SIGKILL when it has not exited in time; its exit. */
  async stop() {
    const running = this.child.pid !== undefined && this.child.exitCode === null && this.child.signalCode === null;
    if (!running) return this.exited;
    this.child.kill('SIGTERM');
    try {
      return await within('mailflow serve to stop on SIGTERM', STOP_TIMEOUT_MS, this.exited);
    } catch (error) {
      this.child.kill('SIGKILL');
      await this.exited;
      throw error;
    }
  }
}
