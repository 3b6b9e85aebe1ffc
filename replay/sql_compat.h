/* SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause) */
/*
 * What the format library of this tree offers beyond the capture format.
 *
 * The SQL layer was written on the first format release, while the event
 * families brought the filter engine's severity model (format/severity.c),
 * the capture's cgroup table with container ids (ebr_reader__cgroup) and
 * the decoder's name tables (syscalls, TCP states, flags). The SQL columns
 * use them where the tree has them: `severity`, `container` and the
 * derived name columns are then filled; without them `severity` and
 * `container` are NULL and the name columns do not exist. Once every tree
 * has them, the fallbacks can go.
 */
#ifndef EBPFREC_REPLAY_SQL_COMPAT_H
#define EBPFREC_REPLAY_SQL_COMPAT_H

#if defined(__has_include)
#if __has_include("ebpfrec/severity.h") && __has_include("severity_plan.h")
#define EBR_SQL_HAVE_SEVERITY 1
#endif
#if __has_include("ebpfrec/container.h")
#define EBR_SQL_HAVE_CGROUPS 1
#endif
#if __has_include("syscalls_x86_64.inc")
#define EBR_SQL_HAVE_NAMES 1
#endif
#endif

#ifndef EBR_SQL_HAVE_SEVERITY
#define EBR_SQL_HAVE_SEVERITY 0
#endif
#ifndef EBR_SQL_HAVE_CGROUPS
#define EBR_SQL_HAVE_CGROUPS 0
#endif
#ifndef EBR_SQL_HAVE_NAMES
#define EBR_SQL_HAVE_NAMES 0
#endif

#endif
