// A minimal SMTP client over node:net, enough to hand mailflow a message or
// to see how it answers one recipient. Each reply is read whole (the
// `250-` continuation lines included) before the next command is sent.

import net from 'node:net';
import { within } from './poll.mjs';

const REPLY_TIMEOUT_MS = 10_000;

class Session {
  constructor(socket) {
    this.socket = socket;
    this.buffered = '';
    this.waiting = null;
    this.failure = null;
    socket.setEncoding('latin1');
    socket.on('data', (chunk) => {
      this.buffered += chunk;
      this.wake();
    });
    socket.on('error', (error) => {
      this.failure = error;
      this.wake();
    });
    socket.on('close', () => {
      this.failure ??= new Error('the server closed the connection');
      this.wake();
    });
  }

  wake() {
    const waiting = this.waiting;
    this.waiting = null;
    waiting?.();
  }

  /** The next whole reply: its code and its lines joined. */
  async reply() {
    for (;;) {
      const reply = this.takeReply();
      if (reply) return reply;
      if (this.failure) throw this.failure;
      await within('an SMTP reply', REPLY_TIMEOUT_MS, new Promise((resolve) => {
        this.waiting = resolve;
      }));
    }
  }

  takeReply() {
    const lines = [];
    let rest = this.buffered;
    for (;;) {
      const end = rest.indexOf('\r\n');
      if (end < 0) return null;
      const line = rest.slice(0, end);
      rest = rest.slice(end + 2);
      lines.push(line);
      if (line.length < 4 || line[3] !== '-') {
        this.buffered = rest;
        return { code: Number(line.slice(0, 3)), text: lines.join('\n') };
      }
    }
  }

  async command(line) {
    this.socket.write(`${line}\r\n`);
    return this.reply();
  }

  close() {
    this.socket.destroy();
  }
}

async function connect(port) {
  const socket = net.connect({ host: '127.0.0.1', port });
  await within('connecting to SMTP', REPLY_TIMEOUT_MS, new Promise((resolve, reject) => {
    socket.once('connect', resolve);
    socket.once('error', reject);
  }));
  const session = new Session(socket);
  const greeting = await session.reply();
  if (greeting.code !== 220) throw new Error(`greeting: ${greeting.text}`);
  const ehlo = await session.command('EHLO client.test');
  if (ehlo.code !== 250) throw new Error(`EHLO: ${ehlo.text}`);
  return session;
}

function expect(step, reply, code) {
  if (reply.code !== code) throw new Error(`${step}: expected ${code}, got ${reply.text}`);
}

/**
 * Sends one message from `from` to every address in `to`; resolves with the
 * reply to the end of DATA (its text carries the queue id).
 */
export async function send(port, from, to, body) {
  const session = await connect(port);
  try {
    expect('MAIL FROM', await session.command(`MAIL FROM:<${from}>`), 250);
    for (const recipient of to) {
      expect(`RCPT TO ${recipient}`, await session.command(`RCPT TO:<${recipient}>`), 250);
    }
    expect('DATA', await session.command('DATA'), 354);
    const data = body.replace(/\r?\n/g, '\r\n').replace(/^\./gm, '..');
    const accepted = await session.command(`${data}${data.endsWith('\r\n') ? '' : '\r\n'}.`);
    expect('end of DATA', accepted, 250);
    await session.command('QUIT').catch(() => {});
    return accepted;
  } finally {
    session.close();
  }
}

/** How the server answers `RCPT TO:<recipient>` (the session then ends). */
export async function rcptReply(port, from, recipient) {
  const session = await connect(port);
  try {
    expect('MAIL FROM', await session.command(`MAIL FROM:<${from}>`), 250);
    const reply = await session.command(`RCPT TO:<${recipient}>`);
    await session.command('QUIT').catch(() => {});
    return reply;
  } finally {
    session.close();
  }
}
