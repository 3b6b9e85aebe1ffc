/* SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause) */
#ifndef EBPFREC_FORMAT_REDACT_INTERNAL_H
#define EBPFREC_FORMAT_REDACT_INTERNAL_H

#include "ebpfrec/redact.h"
#include "siphash.h"

struct ebr_redactor {
	const struct ebr_schema *s;
	unsigned what, mode;
	char **globs;
	size_t n_globs;
	uint8_t key[EBR_SIPHASH_KEY_SIZE]; /* for strings */
	uint8_t ip_key[EBR_SIPHASH_KEY_SIZE]; /* for addresses: a different function */
	struct ebr_redact_counts counts;
	struct ebr_buf s1, s2, z, list, json; /* scratch, reused for every value */
};

/*
 * The string rules, in order: a value matching a path pattern as a whole is
 * replaced; otherwise each path token in it ("/..." after a separator) that
 * matches is; then IP addresses written in the result are replaced. Returns
 * the result (into a scratch buffer, or s itself when nothing changed).
 */
const char *ebr_redact__string(struct ebr_redactor *rd, const char *s, size_t len, size_t *out_len);
/* An IPADDR field's 16 bytes, in place. Returns 1 when changed. */
int ebr_redact__ipaddr(struct ebr_redactor *rd, uint8_t addr[16]);
/* The token that replaces a whole value. */
void ebr_redact__token(struct ebr_redactor *rd, const char *s, size_t len, struct ebr_buf *out);

#endif
