/* SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause) */
/* The report page's files, compiled in by scripts/embed-files (replay/report/). */
#ifndef EBPFREC_REPLAY_REPORT_ASSETS_H
#define EBPFREC_REPLAY_REPORT_ASSETS_H

#include <stddef.h>

extern const char ebr_report_html[]; /* with @CSS@, @JS@ and @DATA@ where those go */
extern const size_t ebr_report_html_len;
extern const char ebr_report_css[];
extern const size_t ebr_report_css_len;
extern const char ebr_report_js[];
extern const size_t ebr_report_js_len;

#endif
