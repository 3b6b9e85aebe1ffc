// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
/* Built without the recorder (meson -Drecorder=disabled): only capture sources exist. */
#include <errno.h>
#include <stddef.h>

#include "ebpfrec/source.h"
#include "internal.h"

struct ebr_source *ebr_source__open_live(const struct ebr_recorder_opts *opts)
{
	(void)opts;
	pr_err("this ebpfrec was built without the recorder: live sources are not available");
	errno = ENOTSUP;
	return NULL;
}
