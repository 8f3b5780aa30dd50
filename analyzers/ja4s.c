/* analyzers/ja4s.c: JA4S (FoxIO License 1.1). */
#include "analyzers/ja4s.h"

#include "analyzers/tls_fp.h"

size_t
ja4s_format(const struct tls_server_hello *sh, char proto, bool is_raw,
    char *dst, size_t dstsz)
{
	char exts[5 * TLS_MAX_EXTENSIONS + 1];
	char alpn[3], h[TLS_FP_HASH12_LEN + 1];
	struct tls_fp_str s = tls_fp_str_init(dst, dstsz);
	struct tls_fp_str e = tls_fp_str_init(exts, sizeof(exts));
	size_t n_exts = sh->n_extensions > 99 ? 99 : sh->n_extensions;

	for (size_t i = 0; i < sh->n_extensions; i++) {
		if (i > 0)
			tls_fp_str_putc(&e, ',');
		tls_fp_str_hex16(&e, sh->extensions[i]);
	}
	tls_fp_str_putc(&s, proto);
	tls_fp_str_puts(&s, tls_fp_version_code(sh->has_supported_versions ?
	    sh->selected_version : sh->legacy_version));
	tls_fp_str_putc(&s, (char)('0' + n_exts / 10));
	tls_fp_str_putc(&s, (char)('0' + n_exts % 10));
	tls_fp_alpn_code(sh->has_alpn ? &sh->alpn : NULL, alpn);
	tls_fp_str_puts(&s, alpn);
	tls_fp_str_putc(&s, '_');
	tls_fp_str_hex16(&s, sh->cipher);
	tls_fp_str_putc(&s, '_');
	if (is_raw) {
		tls_fp_str_puts(&s, exts);
	} else {
		(void)tls_fp_hash12(exts, e.len, h);
		tls_fp_str_puts(&s, h);
	}
	return s.len;
}
