import { createHmac, randomBytes, timingSafeEqual } from 'node:crypto';
import { z } from 'zod';

/*
 * Join links (会商邀请链接): a guest on the LAN joins a room with a token instead of an account.
 * `cj1.<claims>.<HMAC-SHA256>`, both parts base64url; the key is the host's own (kept in its data
 * folder, so links survive a restart). Spec: docs/conference.md#join-links.
 */

const PREFIX = 'cj1.';

const Claims = z.object({ r: z.string(), n: z.string(), s: z.string().nullable(), e: z.number(), i: z.string() }).strict();

/** What a join token says: the room, who it is for, until when. */
export interface JoinClaims {
  roomId: string;
  name: string;
  siteId: string | null;
  expiresAt: number;
}

export type TokenCheck = { ok: true; claims: JoinClaims } | { ok: false; reason: 'malformed' | 'signature' | 'expired'; message: string };

/** Does this look like a join token (as opposed to a host or device token)? */
export const isJoinToken = (token: string | undefined): token is string => token?.startsWith(PREFIX) === true;

export class JoinTokens {
  constructor(
    private readonly key: Buffer,
    private readonly now: () => number = Date.now,
  ) {}

  issue(c: JoinClaims): string {
    const body = Buffer.from(JSON.stringify({ r: c.roomId, n: c.name, s: c.siteId, e: c.expiresAt, i: randomBytes(6).toString('base64url') })).toString('base64url');
    return `${PREFIX}${body}.${this.sign(body)}`;
  }

  verify(token: string): TokenCheck {
    if (!isJoinToken(token)) return { ok: false, reason: 'malformed', message: 'not a conference link token' };
    const [body, sig, extra] = token.slice(PREFIX.length).split('.');
    if (!body || !sig || extra !== undefined) return { ok: false, reason: 'malformed', message: 'the link token is cut short or malformed; ask for a new link' };
    const want = Buffer.from(this.sign(body));
    const got = Buffer.from(sig);
    if (want.length !== got.length || !timingSafeEqual(want, got)) return { ok: false, reason: 'signature', message: 'the link token is not valid for this host; ask for a new link' };
    let parsed: z.infer<typeof Claims>;
    try {
      parsed = Claims.parse(JSON.parse(Buffer.from(body, 'base64url').toString('utf8')));
    } catch {
      return { ok: false, reason: 'malformed', message: 'the link token is malformed; ask for a new link' };
    }
    if (parsed.e <= this.now()) return { ok: false, reason: 'expired', message: `the link expired at ${new Date(parsed.e).toISOString()}; ask for a new link` };
    return { ok: true, claims: { roomId: parsed.r, name: parsed.n, siteId: parsed.s, expiresAt: parsed.e } };
  }

  private sign(body: string): string {
    return createHmac('sha256', this.key).update(body).digest('base64url');
  }
}
