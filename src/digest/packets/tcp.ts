import { type AddressKey, keyToken } from './addresses.js';

/** Connection attempts waiting for a SYN-ACK; beyond it the oldest is given up as unanswered (approximate then). */
const MAX_PENDING_SYNS = 4096;
/** Reset connections kept apart; more are counted in `resetsUngrouped`. */
const MAX_RESET_CONNECTIONS = 4096;
/** (peer, port) groups of unanswered attempts; more are counted in `unansweredUngrouped`. */
const MAX_UNANSWERED_GROUPS = 256;

interface Attempt {
  server: AddressKey;
  port: number;
  attempts: number;
}

interface ResetConnection {
  a: AddressKey;
  aPort: number;
  b: AddressKey;
  bPort: number;
  packets: number;
  /** The reset answered a SYN: the connection was refused. */
  refused: boolean;
}

export interface TcpGroup {
  peer: AddressKey;
  port: number;
  /** Connections: unanswered ones, or reset ones. */
  connections: number;
  /** SYNs sent (unanswered), or RST packets (resets). */
  packets: number;
  refused: number;
}

/**
 * Connection attempts that never got a SYN-ACK, and connections reset, by connection (4-tuple): only packets with
 * SYN, SYN-ACK or RST reach it, so the strings it keys by are made for few packets.
 */
export class TcpTally {
  private readonly pending = new Map<string, Attempt>();
  private readonly unansweredGroups = new Map<string, TcpGroup>();
  private unansweredUngrouped = 0;
  private readonly resets = new Map<string, ResetConnection>();
  resetsUngrouped = 0;

  syn(source: AddressKey, sourcePort: number, destination: AddressKey, destinationPort: number): void {
    const key = connectionKey(source, sourcePort, destination, destinationPort);
    const known = this.pending.get(key);
    if (known) {
      known.attempts++;
      return;
    }
    if (this.pending.size >= MAX_PENDING_SYNS) {
      const oldest = this.pending.entries().next();
      if (!oldest.done) {
        this.pending.delete(oldest.value[0]);
        this.giveUp(oldest.value[1]);
      }
    }
    this.pending.set(key, { server: destination, port: destinationPort, attempts: 1 });
  }

  synAck(source: AddressKey, sourcePort: number, destination: AddressKey, destinationPort: number): void {
    this.pending.delete(connectionKey(destination, destinationPort, source, sourcePort));
  }

  rst(source: AddressKey, sourcePort: number, destination: AddressKey, destinationPort: number): void {
    const forward = connectionKey(source, sourcePort, destination, destinationPort);
    const backward = connectionKey(destination, destinationPort, source, sourcePort);
    // A reset from the server to a waiting SYN answers it: refused, not unanswered.
    const refused = this.pending.delete(backward);
    const known = this.resets.get(forward) ?? this.resets.get(backward);
    if (known) {
      known.packets++;
      known.refused ||= refused;
      return;
    }
    if (this.resets.size >= MAX_RESET_CONNECTIONS) {
      this.resetsUngrouped++;
      return;
    }
    this.resets.set(forward, {
      a: source,
      aPort: sourcePort,
      b: destination,
      bPort: destinationPort,
      packets: 1,
      refused,
    });
  }

  /** Unanswered attempts by server and port, most first. */
  unanswered(): { groups: TcpGroup[]; ungrouped: number } {
    const groups = new Map([...this.unansweredGroups].map(([key, group]) => [key, { ...group }]));
    let ungrouped = this.unansweredUngrouped;
    for (const attempt of this.pending.values()) {
      if (!addTo(groups, attempt.server, attempt.port, attempt.attempts, 0)) ungrouped++;
    }
    return { groups: sorted(groups), ungrouped };
  }

  /**
   * Reset connections by the remote side and the service port. The remote side is the one that is not `local`;
   * without a local address (or when neither side is it), the side with the lower port, which is the service
   * port for every connection but odd peer-to-peer ones.
   */
  resetGroups(local: ReadonlySet<AddressKey>): TcpGroup[] {
    const groups = new Map<string, TcpGroup>();
    for (const reset of this.resets.values()) {
      const servicePort = Math.min(reset.aPort, reset.bPort);
      let peer: AddressKey;
      if (local.has(reset.a) && !local.has(reset.b)) peer = reset.b;
      else if (local.has(reset.b) && !local.has(reset.a)) peer = reset.a;
      else peer = reset.aPort <= reset.bPort ? reset.a : reset.b;
      const group = groups.get(`${keyToken(peer)}|${servicePort}`);
      if (group) {
        group.connections++;
        group.packets += reset.packets;
        group.refused += reset.refused ? 1 : 0;
      } else {
        groups.set(`${keyToken(peer)}|${servicePort}`, {
          peer,
          port: servicePort,
          connections: 1,
          packets: reset.packets,
          refused: reset.refused ? 1 : 0,
        });
      }
    }
    return sorted(groups);
  }

  private giveUp(attempt: Attempt): void {
    if (!addTo(this.unansweredGroups, attempt.server, attempt.port, attempt.attempts, MAX_UNANSWERED_GROUPS)) {
      this.unansweredUngrouped++;
    }
  }
}

function connectionKey(source: AddressKey, sourcePort: number, destination: AddressKey, destinationPort: number) {
  return `${keyToken(source)}|${sourcePort}|${keyToken(destination)}|${destinationPort}`;
}

/** Adds one connection to its (server, port) group; false when a new group would pass `limit` (0: no limit). */
function addTo(groups: Map<string, TcpGroup>, server: AddressKey, port: number, packets: number, limit: number) {
  const key = `${keyToken(server)}|${port}`;
  const group = groups.get(key);
  if (group) {
    group.connections++;
    group.packets += packets;
    return true;
  }
  if (limit > 0 && groups.size >= limit) return false;
  groups.set(key, { peer: server, port, connections: 1, packets, refused: 0 });
  return true;
}

function sorted(groups: Map<string, TcpGroup>): TcpGroup[] {
  return [...groups.values()].sort((a, b) => b.connections - a.connections || b.packets - a.packets);
}
