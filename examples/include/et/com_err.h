/* SPDX-License-Identifier: MIT */
/*
 * et/com_err.h - fallback for machines without comerr-dev: the little of
 * com_err that <o2dlm/o2dlm.h> needs. examples.mk adds -Iexamples/include
 * only when /usr/include/et/com_err.h is missing; the programs link
 * libcom_err.so.2 either way.
 */
#ifndef O2DLM_EXAMPLES_COM_ERR_H
#define O2DLM_EXAMPLES_COM_ERR_H

typedef long errcode_t;
struct error_table;
struct et_list;

const char *error_message(errcode_t code);

#endif
