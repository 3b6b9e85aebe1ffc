// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>
#include <cmocka.h>

#include "internal.h"

/* Check values from RFC 3720 (iSCSI), appendix B.4. */
static void test_known_vectors(void **state)
{
	uint8_t buf[32];

	(void)state;
	assert_int_equal(ebr_crc32c(0, "123456789", 9), 0xE3069283);
	memset(buf, 0, sizeof(buf));
	assert_int_equal(ebr_crc32c(0, buf, sizeof(buf)), 0x8A9136AA);
	memset(buf, 0xff, sizeof(buf));
	assert_int_equal(ebr_crc32c(0, buf, sizeof(buf)), 0x62A8AB43);
	for (int i = 0; i < 32; i++)
		buf[i] = (uint8_t)i;
	assert_int_equal(ebr_crc32c(0, buf, sizeof(buf)), 0x46DD794E);
}

/* Incremental use over any split, at any alignment, equals one pass. */
static void test_incremental(void **state)
{
	uint8_t buf[1000];
	uint32_t whole;

	(void)state;
	for (size_t i = 0; i < sizeof(buf); i++)
		buf[i] = (uint8_t)(i * 7 + 3);
	whole = ebr_crc32c(0, buf, sizeof(buf));
	for (size_t cut = 0; cut <= sizeof(buf); cut += 37)
		assert_int_equal(ebr_crc32c(ebr_crc32c(0, buf, cut), buf + cut, sizeof(buf) - cut), whole);
	for (size_t start = 1; start < 9; start++)
		assert_int_equal(ebr_crc32c(0, buf + start, 100),
				 ebr_crc32c(ebr_crc32c(0, buf + start, 3), buf + start + 3, 97));
}

/* The table-driven code that runs without SSE4.2 (aarch64, old CPUs) agrees at every length and alignment. */
static void test_portable(void **state)
{
	uint8_t buf[4096 + 8];
	uint32_t x = 12345;

	(void)state;
	assert_int_equal(ebr_crc32c_portable(0, "123456789", 9), 0xE3069283);
	for (size_t i = 0; i < sizeof(buf); i++) {
		x = x * 1103515245u + 12345u;
		buf[i] = (uint8_t)(x >> 16);
	}
	for (size_t start = 0; start < 8; start++)
		for (size_t len = 0; len + start <= sizeof(buf); len += len < 64 ? 1 : 509)
			assert_int_equal(ebr_crc32c_portable(0x1234, buf + start, len), ebr_crc32c(0x1234, buf + start, len));
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_known_vectors),
		cmocka_unit_test(test_portable),
		cmocka_unit_test(test_incremental),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
