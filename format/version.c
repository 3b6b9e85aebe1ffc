// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
#include "config.h"
#include "ebpfrec/capture.h"

const char *ebr_version(void)
{
	return EBR_VERSION;
}
