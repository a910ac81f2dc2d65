/* SPDX-License-Identifier: Apache-2.0 */
/*
 * fuzz-containerd-config.c - the runtime spec (config.json) of a containerd
 * bundle, as moat_containerd_parse_config reads its annotations.
 */
#include <stdlib.h>
#include <string.h>

#include "moat/error.h"
#include "sensor/containerd.h"

#define FUZZ_MAX_INPUT (2u << 20)

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct moat_containerd_meta meta;
	struct moat_error err = { 0 };
	int r;

	if (size > FUZZ_MAX_INPUT)
		return 0;
	memset(&meta, 0xa5, sizeof(meta));
	r = moat_containerd_parse_config(data, size, &meta, &err);
	if (r > 0 || (r < 0 && !err.msg[0]))
		abort();
	/* every field is a C string within its array, whatever the input */
	if (r == 0 && (!memchr(meta.name, 0, sizeof(meta.name)) ||
		       !memchr(meta.image, 0, sizeof(meta.image)) ||
		       !memchr(meta.pod, 0, sizeof(meta.pod)) ||
		       !memchr(meta.k8s_ns, 0, sizeof(meta.k8s_ns))))
		abort();
	return 0;
}
