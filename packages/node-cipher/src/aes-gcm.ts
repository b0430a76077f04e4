import { createCipheriv, createDecipheriv, createSecretKey, randomBytes, type KeyObject } from 'node:crypto';

/** Blob layout: version (1 byte) ‖ IV (12 bytes) ‖ ciphertext ‖ GCM tag (16 bytes). */
export const BLOB_VERSION = 1;
const IV_BYTES = 12;
const TAG_BYTES = 16;
const HEADER_BYTES = 1 + IV_BYTES;

export interface AesGcm {
  encrypt(plaintext: string): Uint8Array;
  decrypt(blob: Uint8Array): string;
}

/** Takes ownership of `rawKey` and wipes it: afterwards the key lives only inside a KeyObject. */
export function createAesGcm(rawKey: Buffer): AesGcm {
  const key: KeyObject = createSecretKey(Buffer.from(rawKey));
  rawKey.fill(0);
  // The version byte is authenticated too, so a blob cannot be relabelled as another format.
  const aad = Buffer.from([BLOB_VERSION]);
  return {
    encrypt(plaintext) {
      const iv = randomBytes(IV_BYTES);
      const cipher = createCipheriv('aes-256-gcm', key, iv, { authTagLength: TAG_BYTES });
      cipher.setAAD(aad);
      const body = Buffer.concat([cipher.update(plaintext, 'utf8'), cipher.final()]);
      return new Uint8Array(Buffer.concat([aad, iv, body, cipher.getAuthTag()]));
    },
    decrypt(blob) {
      const bytes = Buffer.from(blob.buffer, blob.byteOffset, blob.byteLength);
      if (bytes.length < HEADER_BYTES + TAG_BYTES) {
        throw new Error('This secret could not be decrypted: the stored value is too short to be one.');
      }
      if (bytes[0] !== BLOB_VERSION) {
        throw new Error(`This secret could not be decrypted: it is in an unknown format (version ${bytes[0]}).`);
      }
      const iv = bytes.subarray(1, HEADER_BYTES);
      const tag = bytes.subarray(bytes.length - TAG_BYTES);
      const decipher = createDecipheriv('aes-256-gcm', key, iv, { authTagLength: TAG_BYTES });
      decipher.setAAD(aad);
      decipher.setAuthTag(tag);
      try {
        const plain = Buffer.concat([decipher.update(bytes.subarray(HEADER_BYTES, bytes.length - TAG_BYTES)), decipher.final()]);
        return plain.toString('utf8');
      } catch {
        // OpenSSL's "Unsupported state or unable to authenticate data" says nothing a person can act on.
        throw new Error('This secret could not be decrypted: it was changed, or it was saved under another master key.');
      }
    },
  };
}
