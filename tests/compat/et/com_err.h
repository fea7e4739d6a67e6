/* SPDX-License-Identifier: MIT */
/*
 * et/com_err.h - the little of com_err that <o2dlm/o2dlm.h> needs, so the
 * o2dlm smoke test builds without comerr-dev (libcom_err.so.2 is linked).
 */
#ifndef DLMFS_TEST_COM_ERR_H
#define DLMFS_TEST_COM_ERR_H

typedef long errcode_t;
struct error_table;
struct et_list;

const char *error_message(errcode_t code);

#endif
