/* SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause) */
/*
 * SipHash-2-4 (Aumasson and Bernstein, 2012): a keyed 64-bit pseudorandom
 * function for short inputs. Redaction uses it so that equal values map to
 * equal tokens within one capture while, without the key, a token cannot be
 * reversed by trying likely values (every IPv4 address, a dictionary of
 * paths). Written from the paper; tests/unit/test_siphash.c checks it
 * against the reference vectors.
 */
#ifndef EBPFREC_FORMAT_SIPHASH_H
#define EBPFREC_FORMAT_SIPHASH_H

#include <stddef.h>
#include <stdint.h>

#define EBR_SIPHASH_KEY_SIZE 16

/* The key is 16 bytes, read as two little-endian 64-bit words. */
uint64_t ebr_siphash24(const uint8_t key[EBR_SIPHASH_KEY_SIZE], const void *data, size_t len);

#endif
