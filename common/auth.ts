import { z } from 'zod';

/**
 * Who may do what. The host enforces this table on every command (common/contract/auth.ts names
 * the commands); the console reads it only to grey out what the signed-in person may not use.
 * Spec: docs/security.md.
 */

export const Role = z.enum(['operator', 'leader', 'admin', 'viewer']);
export type Role = z.infer<typeof Role>;

export const ROLES: readonly Role[] = Role.options;

export const Permission = z.enum([
  /** See the site, video, map, wall, health: everyone signed in. */
  'view',
  /** Steer a PTZ head at operator priority, move to presets. */
  'ptz.control',
  /** Take a head at shift-leader priority (over an operator). */
  'ptz.leader',
  /** Save and delete presets, set cruise plans. */
  'ptz.configure',
  /** Arrange the wall: windows, panes, splits, LED text, recall scenes, lock. */
  'wall.operate',
  /** Save, rename, delete, import and schedule scenes; mark the alarm region. */
  'wall.configure',
  /** Export evidence: clips, scene files. */
  'export',
  /** Verify and dismiss fire alerts. */
  'alerts.verify',
  /** Write duty records. */
  'duty.edit',
  /** Approve handovers and reports as shift leader. */
  'duty.approve',
  /** Read the audit trail. */
  'audit.read',
  /** Export the audit trail and verify its chain. */
  'audit.export',
  /** Manage accounts and device tokens. */
  'users.manage',
  /** Change the site configuration and security settings. */
  'site.configure',
  /** Start and steer the leadership demonstration. */
  'demo.run',
  // --- health (运维) ---
  /** Assign and close fault tickets, import the asset register. */
  'health.manage',
]);
export type Permission = z.infer<typeof Permission>;

/** What each role may do. A demonstration viewer watches; an administrator does not steer cameras on duty. */
export const ROLE_PERMISSIONS: Readonly<Record<Role, readonly Permission[]>> = {
  viewer: ['view'],
  operator: ['view', 'ptz.control', 'ptz.configure', 'wall.operate', 'export', 'alerts.verify', 'duty.edit'],
  leader: [
    'view',
    'ptz.control',
    'ptz.leader',
    'ptz.configure',
    'wall.operate',
    'wall.configure',
    'export',
    'alerts.verify',
    'duty.edit',
    'duty.approve',
    'audit.read',
    'demo.run',
    'health.manage',
  ],
  admin: ['view', 'ptz.control', 'ptz.leader', 'ptz.configure', 'wall.operate', 'wall.configure', 'export', 'audit.read', 'audit.export', 'users.manage', 'site.configure', 'demo.run', 'health.manage'],
};

export function can(role: Role | undefined, permission: Permission): boolean {
  return role !== undefined && ROLE_PERMISSIONS[role].includes(permission);
}

export const ROLE_LABEL: Readonly<Record<Role, { 'zh-CN': string; en: string }>> = {
  operator: { 'zh-CN': '值班员', en: 'Operator' },
  leader: { 'zh-CN': '值班长', en: 'Shift leader' },
  admin: { 'zh-CN': '管理员', en: 'Administrator' },
  viewer: { 'zh-CN': '演示观看', en: 'Demonstration viewer' },
};

/** Password rules, lockout and session limits (site file `security`; defaults per 等保 level 2/3 practice). */
export const SecurityPolicySchema = z.object({
  password: z
    .object({
      minLength: z.number().int().min(8).max(128).default(10),
      /** How many of the four classes (lower, upper, digit, symbol) a password must use. */
      minClasses: z.number().int().min(1).max(4).default(3),
      /** Days before a password must be changed; 0 = never. */
      maxAgeDays: z.number().int().min(0).max(3650).default(90),
    })
    .default({ minLength: 10, minClasses: 3, maxAgeDays: 90 }),
  lockout: z
    .object({
      /** Failed sign-ins in a row that lock the account. */
      failures: z.number().int().min(1).max(100).default(5),
      minutes: z.number().int().min(1).max(1440).default(15),
    })
    .default({ failures: 5, minutes: 15 }),
  /** Idle time after which the console asks for the password again. */
  idleTimeoutMinutes: z.number().int().min(1).max(720).default(15),
  /** How long audit records are kept at least. */
  auditRetentionDays: z.number().int().min(180).max(3650).default(180),
});
export type SecurityPolicy = z.infer<typeof SecurityPolicySchema>;

export const DEFAULT_SECURITY_POLICY: SecurityPolicy = SecurityPolicySchema.parse({});

/** Which of the four character classes a password uses. */
export function passwordClasses(pw: string): number {
  return [/[a-z]/, /[A-Z]/, /[0-9]/, /[^A-Za-z0-9]/].filter((re) => re.test(pw)).length;
}

/** Problems with a new password under the policy, in the operator's language key form; empty = acceptable. */
export function passwordProblems(pw: string, policy: SecurityPolicy['password'], username?: string): string[] {
  const out: string[] = [];
  if ([...pw].length < policy.minLength) out.push(`must be at least ${policy.minLength} characters`);
  if (passwordClasses(pw) < policy.minClasses) out.push(`must use at least ${policy.minClasses} of: lower case, upper case, digits, symbols`);
  if (username && pw.toLowerCase().includes(username.toLowerCase())) out.push('must not contain the user name');
  if ([...pw].length > 256) out.push('must be at most 256 characters');
  return out;
}
