/* SPDX-License-Identifier: Apache-2.0 */
/*
 * fuzz-registry-manifest.c - a manifest or index body as the registry
 * client reads it: schema and media type checks, then for an index the
 * platform pick (first byte: which platform is wanted), as
 * moat_registry_manifest_get does before fetching the picked digest.
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "moat/error.h"
#include "registry/parse.h"

#define FUZZ_MAX_INPUT (1u << 20)

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static const struct moat_registry_platform plats[] = {
		{ "linux", "amd64", "" }, { "linux", "arm64", "v8" }, { "linux", "arm", "" },
		{ "windows", "amd64", "" },
	};
	static const char *const ctypes[] = { "", MOAT_REGISTRY_MEDIA_DOCKER_LIST,
					      MOAT_REGISTRY_MEDIA_OCI_MANIFEST, "text/plain; x" };
	struct moat_error err = { 0 };
	char type[128];
	json_t *doc = NULL;
	const json_t *pick;
	int r;

	if (size < 1 || size > FUZZ_MAX_INPUT)
		return 0;
	r = moat_registry_manifest_parse(data + 1, size - 1,
					 moat_slice_str(ctypes[(data[0] >> 2) & 3]), "fuzz", type,
					 sizeof(type), &doc, &err);
	if (r < 0) {
		if (!err.msg[0] || doc)
			abort();
		return 0;
	}
	if (!doc || strlen(type) >= sizeof(type))
		abort();
	if (moat_registry_media_is_index(type)) {
		pick = moat_registry_pick_platform(doc, &plats[data[0] & 3], &err);
		if (!pick && !err.msg[0])
			abort();
		if (pick && !json_is_object(pick))
			abort();
	} else if (!json_is_array(json_object_get(doc, "layers"))) {
		abort();
	}
	json_decref(doc);
	return 0;
}
