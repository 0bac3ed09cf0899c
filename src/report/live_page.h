/* SPDX-License-Identifier: GPL-2.0 */
/*
 * live_page: the live view's page. Every word it shows is in one table (live_page.c), handed
 * to the script as a JSON block, so a catalogue can translate it in one place.
 */
#ifndef TWLAB_LIVE_PAGE_H
#define TWLAB_LIVE_PAGE_H

/* The HTML (malloc'd, with the strings table in it), or NULL. */
char *live_page_html(void);
const char *live_page_js(void);
const char *live_page_css(void);

#endif
