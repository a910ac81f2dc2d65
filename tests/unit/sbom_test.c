/* SPDX-License-Identifier: Apache-2.0 */
/* sbom_test.c - catalogers over small layered filesystems built in memory. */
#include <stdlib.h>

#include "base/arena.h"
#include "harness.h"
#include "image/tar.h"
#include "moat/error.h"
#include "sbom/catalog.h"
#include "sbom/copyright.h"
#include "vfs/fs.h"
#include "vfs/layerfs.h"

struct file {
	const char *path;
	const char *content;    /* NULL = whiteout-free directory marker not needed */
};

#define MAX_LAYERS 4

static struct moat_limits limits;
static struct moat_layer layer_meta[MAX_LAYERS] = {
	{ .diff_id = "sha256:l0" }, { .diff_id = "sha256:l1" },
	{ .diff_id = "sha256:l2" }, { .diff_id = "sha256:l3" },
};
static struct moat_image_meta meta = { .layers = layer_meta, .n_layers = MAX_LAYERS };

/* Catalogue layers of {path, content} files (a content of "" for a path
 * ending in a ".wh." name makes a whiteout). */
static int catalog(struct moat_arena *arena, const struct file *const *layers, size_t n,
		   struct moat_catalog_ctx *cat)
{
	struct moat_fs_builder *b = NULL;
	struct moat_fs_layer *ls[MAX_LAYERS];
	struct moat_error err = { 0 };
	int r;

	moat_limits_default(&limits);
	CHECK_INT(moat_fs_builder_open(arena, &limits, &b, &err), 0);
	for (size_t i = 0; i < n; i++) {
		CHECK_INT(moat_fs_layer_new(b, &ls[i], &err), 0);
		for (const struct file *f = layers[i]; f->path; f++) {
			struct moat_tar_entry e = { 0 };

			e.path = f->path;
			e.path_len = strlen(f->path);
			e.type = MOAT_TAR_FILE;
			e.size = strlen(f->content);
			CHECK_INT(moat_fs_layer_add(ls[i], &e, &err), 0);
			moat_fs_layer_set_content(ls[i], (const uint8_t *)f->content, e.size);
		}
	}
	memset(cat, 0, sizeof(*cat));
	CHECK_INT(moat_fs_builder_finish(b, ls, n, &cat->fs, &err), 0);
	cat->arena = arena;
	cat->meta = &meta;
	cat->limits = &limits;
	r = moat_catalog_run(cat, &err);
	if (r < 0)
		printf("# %s\n", err.msg);
	return r;
}

static const struct moat_pkg *find(const struct moat_pkg_list *l, const char *name)
{
	for (size_t i = 0; i < l->count; i++)
		if (!strcmp(l->items[i]->name, name))
			return l->items[i];
	return NULL;
}

#define OS_DEBIAN { "usr/lib/os-release", "ID=debian\nVERSION_ID=\"12\"\nVERSION=\"12 (bookworm)\"\n" }

static const struct file deb_l0[] = {
	OS_DEBIAN,
	{ "var/lib/dpkg/status",
	  "Package: libc6\nStatus: install ok installed\nVersion: 2.36-9\nArchitecture: amd64\n"
	  "Source: glibc\nDescription: GNU C Library\n multi-line description\n\n"
	  "Package: bash\nStatus: install ok installed\nVersion: 5.2.15-2+b2\nArchitecture: amd64\n"
	  "Source: bash (5.2.15-2)\n\n"
	  "Package: gone\nStatus: deinstall ok config-files\nVersion: 1.0\n\n"
	  "Package: vim-tiny\nStatus: install ok installed\nVersion: 2:9.0.1378-2\nArchitecture: amd64\n"
	  "Source: vim\n" },
	{ "var/lib/dpkg/info/libc6:amd64.list", "/.\n/lib\n/lib/x86_64-linux-gnu/libc.so.6\n" },
	{ NULL },
};
static const struct file deb_l1[] = {
	{ "var/lib/dpkg/status",
	  "Package: libc6\nStatus: install ok installed\nVersion: 2.36-9+deb12u1\nArchitecture: amd64\n"
	  "Source: glibc\n\n"
	  "Package: bash\nStatus: install ok installed\nVersion: 5.2.15-2+b2\nArchitecture: amd64\n"
	  "Source: bash (5.2.15-2)\n\n"
	  "Package: curl\nStatus: install ok installed\nVersion: 7.88.1-10\nArchitecture: amd64\n" },
	{ NULL },
};

static void test_sbom__dpkg_layers_and_removal(void)
{
	struct moat_arena *arena = moat_arena_open(0);
	const struct file *const layers[] = { deb_l0, deb_l1 };
	struct moat_catalog_ctx cat;
	const struct moat_pkg *p;

	CHECK_INT(catalog(arena, layers, 2, &cat), 0);
	CHECK_STR(cat.os.id, "debian");
	CHECK_STR(cat.os.codename, "bookworm");
	CHECK_INT(cat.pkgs.count, 3);
	p = find(&cat.pkgs, "bash");
	CHECK(p && p->layer_index == 0);
	CHECK(p && !strcmp(p->source_name, "bash") && !strcmp(p->source_version, "5.2.15-2"));
	p = find(&cat.pkgs, "libc6");
	CHECK(p && p->layer_index == 1); /* upgraded in layer 1: that layer owns it now */
	CHECK(p && !strcmp(p->source_name, "glibc") && !strcmp(p->source_version, "2.36-9+deb12u1"));
	CHECK(p && p->layer && !strcmp(p->layer, "sha256:l1"));
	p = find(&cat.pkgs, "curl");
	CHECK(p && p->layer_index == 1 && !strcmp(p->source_name, "curl"));
	CHECK(find(&cat.pkgs, "gone") == NULL);
	/* vim-tiny was installed in layer 0 and removed in layer 1. */
	CHECK_INT(cat.removed.count, 1);
	p = find(&cat.removed, "vim-tiny");
	CHECK(p && p->layer_index == 0 && p->removed_layer == 1 && !strcmp(p->version, "2:9.0.1378-2"));
	moat_arena_close(arena);
}

static void test_sbom__dpkg_files(void)
{
	struct moat_arena *arena = moat_arena_open(0);
	const struct file *const layers[] = { deb_l0 };
	struct moat_catalog_ctx cat;
	const struct moat_pkg *p;

	CHECK_INT(catalog(arena, layers, 1, &cat), 0);
	p = find(&cat.pkgs, "libc6");
	CHECK(p && p->n_files == 3);
	CHECK(p && p->n_files == 3 && !strcmp(p->files[2], "lib/x86_64-linux-gnu/libc.so.6"));
	moat_arena_close(arena);
}

static void test_sbom__distroless_status_d(void)
{
	static const struct file l0[] = {
		OS_DEBIAN,
		{ "var/lib/dpkg/status.d/base", "Package: base-files\nVersion: 12.4\nArchitecture: amd64\n" },
		{ "var/lib/dpkg/status.d/base.md5sums", "abc  etc/issue\n" },
		{ NULL },
	};
	static const struct file l1[] = {
		{ "var/lib/dpkg/status.d/libssl3", "Package: libssl3\nVersion: 3.0.11-1\nSource: openssl\n" },
		{ NULL },
	};
	struct moat_arena *arena = moat_arena_open(0);
	const struct file *const layers[] = { l0, l1 };
	struct moat_catalog_ctx cat;
	const struct moat_pkg *p;

	CHECK_INT(catalog(arena, layers, 2, &cat), 0);
	CHECK_INT(cat.pkgs.count, 2);
	p = find(&cat.pkgs, "libssl3");
	CHECK(p && p->layer_index == 1 && !strcmp(p->source_name, "openssl"));
	p = find(&cat.pkgs, "base-files");
	CHECK(p && p->layer_index == 0);
	moat_arena_close(arena);
}

static void test_sbom__apk(void)
{
	static const struct file l0[] = {
		{ "etc/os-release", "NAME=\"Alpine Linux\"\nID=alpine\nVERSION_ID=3.19.0\n" },
		{ "etc/alpine-release", "3.19.1\n" },
		{ "lib/apk/db/installed",
		  "C:Q1abc=\nP:musl\nV:1.2.4_git20230717-r4\nA:x86_64\nL:MIT\no:musl\nF:lib\n"
		  "R:ld-musl-x86_64.so.1\nR:libc.musl-x86_64.so.1\n\n"
		  "P:busybox-binsh\nV:1.36.1-r15\nA:x86_64\no:busybox\nF:bin\nR:sh\n" },
		{ NULL },
	};
	struct moat_arena *arena = moat_arena_open(0);
	const struct file *const layers[] = { l0 };
	struct moat_catalog_ctx cat;
	const struct moat_pkg *p;

	CHECK_INT(catalog(arena, layers, 1, &cat), 0);
	CHECK_STR(cat.os.id, "alpine");
	CHECK_STR(cat.os.version_id, "3.19.1"); /* alpine-release is finer than os-release */
	CHECK_INT(cat.pkgs.count, 2);
	p = find(&cat.pkgs, "busybox-binsh");
	CHECK(p && !strcmp(p->source_name, "busybox") && !strcmp(p->type, "apk"));
	CHECK(p && p->n_files == 1 && !strcmp(p->files[0], "bin/sh"));
	p = find(&cat.pkgs, "musl");
	CHECK(p && p->n_files == 2 && !strcmp(p->files[1], "lib/libc.musl-x86_64.so.1"));
	CHECK(p && p->license && !strcmp(p->license, "MIT"));
	moat_arena_close(arena);
}

static const char *lic(struct moat_arena *a, const char *text)
{
	return moat_deb_copyright_license(a, moat_slice_str(text));
}

/* DEP-5 short names to SPDX, or-expressions, exceptions, free-form references. */
static void test_sbom__deb_copyright(void)
{
	struct moat_arena *a = moat_arena_open(1u << 20);
	const char *dep5 =
		"Format: https://www.debian.org/doc/packaging-manuals/copyright-format/1.0/\n"
		"Upstream-Name: x\n\nFiles: *\nCopyright: 2020 A\nLicense: GPL-2+ or Artistic\n"
		" License: text that is not a field\n\nFiles: lib/*\nLicense: Expat\n\n"
		"Files: ssl/*\nLicense: GPL-2+ with OpenSSL exception\n\n"
		"License: Expat\n Permission is hereby granted, free of charge...\n";

	CHECK_STR(lic(a, dep5), "(GPL-2.0-or-later OR Artistic-1.0-Perl) AND MIT AND GPL-2.0-or-later");
	CHECK_STR(lic(a, "Format: https://x/copyright-format/1.0/\n\nFiles: *\nLicense: Foo+Bar\n"),
		  "LicenseRef-Foo-Bar");
	CHECK_STR(lic(a, "This is free software; see /usr/share/common-licenses/GPL-2.\n"),
		  "GPL-2.0-only");
	CHECK_STR(lic(a, "Redistribution and use in source and binary forms ... Neither the name"),
		  "BSD-3-Clause");
	CHECK(lic(a, "Copyright 2001 nobody\n") == NULL);
	CHECK(lic(a, "") == NULL);
	moat_arena_close(a);
}

static void test_sbom__os_fallbacks(void)
{
	static const struct { const char *path, *content, *id, *version, *codename; } rows[] = {
		{ "etc/debian_version", "12.5\n", "debian", "12", NULL },
		{ "etc/redhat-release", "Red Hat Enterprise Linux release 9.3 (Plow)\n", "rhel", "9.3", NULL },
		{ "etc/os-release", "ID='ubuntu'\nVERSION_ID=\"22.04\"\nVERSION_CODENAME=jammy\n",
		  "ubuntu", "22.04", "jammy" },
		{ "etc/hostname", "x\n", NULL, NULL, NULL },
	};

	for (size_t i = 0; i < sizeof(rows) / sizeof(rows[0]); i++) {
		struct file l0[] = { { rows[i].path, rows[i].content }, { NULL } };
		const struct file *const layers[] = { l0 };
		struct moat_arena *arena = moat_arena_open(0);
		struct moat_catalog_ctx cat;

		CHECK_INT(catalog(arena, layers, 1, &cat), 0);
		if (rows[i].id)
			CHECK_STR(cat.os.id, rows[i].id);
		else
			CHECK(cat.os.id == NULL);
		if (rows[i].version)
			CHECK_STR(cat.os.version_id, rows[i].version);
		if (rows[i].codename)
			CHECK_STR(cat.os.codename, rows[i].codename);
		moat_arena_close(arena);
	}
}

int main(void)
{
	MOAT_RUN(test_sbom__dpkg_layers_and_removal);
	MOAT_RUN(test_sbom__dpkg_files);
	MOAT_RUN(test_sbom__distroless_status_d);
	MOAT_RUN(test_sbom__apk);
	MOAT_RUN(test_sbom__os_fallbacks);
	MOAT_RUN(test_sbom__deb_copyright);
	return moat_test_done();
}
