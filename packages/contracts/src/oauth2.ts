import { z } from 'zod';
import { IsoDate } from './common.js';

/**
 * What "Sign in" started. Authorization code: the page the person signs in on, which the host
 * opens in the system browser (Electron) or the page opens (headless); the broker waits for the
 * redirect on a loopback port until `expiresAt`. Client credentials: nothing to open, the token
 * is already fetched. Device flow: the code the person types at `verificationUri`.
 */
export const SignInStarted = z.strictObject({
  authorizeUrl: z.string().max(8192).nullable(),
  /** The host opened it in the system browser already (Electron); else the page opens it. */
  opened: z.boolean().default(false),
  userCode: z.string().max(100).optional(),
  verificationUri: z.string().max(2048).optional(),
  expiresAt: IsoDate.nullable(),
});
export type SignInStarted = z.infer<typeof SignInStarted>;
