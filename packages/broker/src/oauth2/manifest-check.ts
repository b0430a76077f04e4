import { LatchkeyError } from '@latchkey/contracts';
import type { ProviderManifest } from '@latchkey/contracts';
import { TOKEN_FIELD } from './token-set.js';

/**
 * What an OAuth2 manifest must hold together, checked when a pack registers it: the fields its
 * `oauth2` block names exist (the client id in the settings, the secret a secret), and no field
 * takes the name of the broker's own token blob (a form field of that name would let a person or
 * a pack write tokens the broker then sends as its own).
 */
export function checkOAuth2Manifest(manifest: ProviderManifest): void {
  const fields = new Map(manifest.fields.map((f) => [f.name, f]));
  const bad = (why: string) => new LatchkeyError('VALIDATION', `Provider "${manifest.id}": ${why}`);
  if (fields.has(TOKEN_FIELD)) throw bad(`the field name "${TOKEN_FIELD}" is the broker's own`);
  const usesOAuth2 = manifest.transport === 'oauth2' || manifest.authenticate.some((r) => r.type === 'oauth2');
  const spec = manifest.oauth2;
  if (!spec) {
    if (usesOAuth2) throw bad('OAuth2 authentication needs an "oauth2" block');
    return;
  }
  const clientId = fields.get(spec.clientIdField);
  // Discovered servers may register the client themselves (RFC 7591): a client id field is optional there.
  if (spec.discover ? clientId?.secret : !clientId || clientId.secret) throw bad(`the client id field "${spec.clientIdField}" must be a field that is not secret`);
  if (!spec.discover && !spec.tokenUrl) throw bad('a token URL is required unless the endpoints are discovered');
  if (spec.clientSecretField) {
    const secret = fields.get(spec.clientSecretField);
    if (!secret?.secret) throw bad(`the client secret field "${spec.clientSecretField}" must be a secret field`);
  }
  if (spec.grant === 'authorization_code' && !spec.authorizeUrl && !spec.discover) throw bad('the authorization code grant needs an authorizeUrl');
  if (spec.grant === 'device_code' && !spec.deviceAuthorizationUrl) throw bad('the device flow needs a deviceAuthorizationUrl');
}
