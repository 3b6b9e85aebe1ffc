// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
/*
 * libFuzzer target: `record --config FILE.json` parsing (recorder/config.c)
 * on arbitrary text, then printing the effective settings back as JSON,
 * which must parse again.
 */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <json-c/json.h>

#include "record_args.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct record_args a = { .go_fd = -1 };
	char *text = malloc(size + 1), *json;

	if (!text)
		return 0;
	memcpy(text, data, size);
	text[size] = 0;
	a.ro.sz = sizeof(a.ro);
	if (rec_config__parse("fuzz.json", text, size, &a) == 0) {
		struct json_object *back;

		json = rec_config__to_json(&a, 0);
		back = json ? json_tokener_parse(json) : NULL;
		/* what --print-config prints is valid --config input */
		if (json && !back)
			abort();
		json_object_put(back);
		free(json);
	}
	rec_config__free(&a);
	free(text);
	return 0;
}
