// CGPGME: gpgme for Swift. Only KizunaMail imports it (OpenPGPContext.swift).  gpgme's
// error helpers are static inline in gpgme.h; the typed wrappers here keep the Swift side free
// of the gpg-error bit layout.  Every symbol of ours carries the cgpgme_ prefix.
#ifndef KIZUNA_CGPGME_SHIM_H
#define KIZUNA_CGPGME_SHIM_H

#include <gpgme.h>

static inline int cgpgme_is_eof(gpgme_error_t err) { return gpgme_err_code(err) == GPG_ERR_EOF; }
static inline gpgme_error_t cgpgme_canceled(void) { return gpgme_error(GPG_ERR_CANCELED); }
static inline unsigned int cgpgme_code(gpgme_error_t err) { return (unsigned int)gpgme_err_code(err); }

// The flag macros as constants Swift can read.
static const unsigned int cgpgme_create_sign = GPGME_CREATE_SIGN;
static const unsigned int cgpgme_create_encr = GPGME_CREATE_ENCR;
static const unsigned int cgpgme_create_nopasswd = GPGME_CREATE_NOPASSWD;
static const unsigned int cgpgme_create_noexpire = GPGME_CREATE_NOEXPIRE;
static const unsigned int cgpgme_delete_secret_force = GPGME_DELETE_ALLOW_SECRET | GPGME_DELETE_FORCE;

// The key's flags are C bitfields; read them here so Swift sees plain ints.
static inline int cgpgme_key_can_sign(gpgme_key_t k) { return k->can_sign; }
static inline int cgpgme_key_can_encrypt(gpgme_key_t k) { return k->can_encrypt; }
static inline int cgpgme_key_expired(gpgme_key_t k) { return k->expired; }
static inline int cgpgme_key_revoked(gpgme_key_t k) { return k->revoked; }
static inline int cgpgme_key_invalid(gpgme_key_t k) { return k->invalid; }
static inline int cgpgme_key_disabled(gpgme_key_t k) { return k->disabled; }
static inline int cgpgme_key_secret(gpgme_key_t k) { return k->secret; }
static inline int cgpgme_uid_revoked(gpgme_user_id_t u) { return u->revoked; }

#endif
