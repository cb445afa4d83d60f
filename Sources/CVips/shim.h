#ifndef SWITCHBOARD_CVIPS_SHIM_H
#define SWITCHBOARD_CVIPS_SHIM_H
// libvips (Debian's libvips-dev): decoding, metadata stripping and previews of images.
// Its operations take NULL-terminated variadic options, which Swift cannot call: one
// typed wrapper per call used. Only SwitchboardFiles imports this module.
#include <vips/vips.h>

// Each loader for exactly one format (never the sniffing vips_image_new_from_file: the
// format is what libmagic found), all pages for the animated ones. `sequential`: read front
// to back (little memory), which a turn by 90° cannot do: such images load for random access.
static inline int sb_vips_load(const char *format, const char *path, int sequential, VipsImage **out) {
    VipsAccess access = sequential ? VIPS_ACCESS_SEQUENTIAL : VIPS_ACCESS_RANDOM;
    if (strcmp(format, "png") == 0) return vips_pngload(path, out, "access", access, NULL);
    if (strcmp(format, "jpeg") == 0) return vips_jpegload(path, out, "access", access, NULL);
    if (strcmp(format, "gif") == 0) return vips_gifload(path, out, "n", -1, "access", access, NULL);
    if (strcmp(format, "webp") == 0) return vips_webpload(path, out, "n", -1, "access", access, NULL);
    vips_error("switchboard", "no loader for %s", format);
    return -1;
}

// The image the way it is meant to be seen (EXIF orientation applied), before the
// orientation tag goes with the rest of the metadata.
static inline int sb_vips_autorot(VipsImage *in, VipsImage **out) {
    return vips_autorot(in, out, NULL);
}

// A copy with the metadata blobs taken off (EXIF, XMP, IPTC, ICC, a GIF comment): `strip`
// alone does not reach every saver (libvips 8.14's webpsave kept EXIF).
static inline void *sb_vips_collect_metadata(VipsImage *image, const char *field, GValue *value, void *list) {
    (void) image; (void) value;
    // The blobs, and the parsed EXIF tags savers would build a new EXIF blob from.
    if (g_str_has_prefix(field, "exif-") || g_str_has_prefix(field, "xmp-") || g_str_has_prefix(field, "iptc-")
        || strcmp(field, VIPS_META_ICC_NAME) == 0 || strcmp(field, "gif-comment") == 0)
        *(GSList **) list = g_slist_prepend(*(GSList **) list, g_strdup(field));
    return NULL;
}

static inline int sb_vips_without_metadata(VipsImage *in, VipsImage **out) {
    if (vips_copy(in, out, NULL)) return -1;
    GSList *fields = NULL;
    vips_image_map(*out, sb_vips_collect_metadata, &fields);
    for (GSList *f = fields; f; f = f->next) vips_image_remove(*out, (const char *) f->data);
    g_slist_free_full(fields, g_free);
    return 0;
}

// Saves without metadata (EXIF, XMP, IPTC, ICC, text chunks): `strip`.
static inline int sb_vips_save(const char *format, VipsImage *in, const char *path) {
    if (strcmp(format, "png") == 0) return vips_pngsave(in, path, "strip", TRUE, NULL);
    if (strcmp(format, "jpeg") == 0) return vips_jpegsave(in, path, "strip", TRUE, "Q", 90, NULL);
    if (strcmp(format, "gif") == 0) return vips_gifsave(in, path, "strip", TRUE, NULL);
    if (strcmp(format, "webp") == 0) return vips_webpsave(in, path, "strip", TRUE, "Q", 90, NULL);
    vips_error("switchboard", "no saver for %s", format);
    return -1;
}

// A still preview at most `size` pixels on its longer side (the first page), as WebP.
static inline int sb_vips_preview(const char *path, int size, const char *out_path) {
    VipsImage *thumb = NULL;
    if (vips_thumbnail(path, &thumb, size, "height", size, "size", VIPS_SIZE_DOWN, NULL)) return -1;
    int result = vips_webpsave(thumb, out_path, "strip", TRUE, "Q", 80, NULL);
    g_object_unref(thumb);
    return result;
}

static inline void sb_vips_unref(VipsImage *image) { if (image) g_object_unref(image); }

static inline int sb_vips_height_per_page(VipsImage *image) { return vips_image_get_page_height(image); }
#endif
