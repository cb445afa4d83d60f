import Testing
import SwitchboardCore

/// Uploaded files' names (API.md "Files and images": "Names") and sizes in words.
struct FileNameTests {
    @Test(arguments: [
        ("photo.png", "photo.png"),
        ("../../etc/passwd", "passwd"),
        ("C:\\Users\\ann\\Desktop\\zip.jpg", "zip.jpg"),
        ("evil\u{202E}gpj.exe", "evilgpj.exe"),          // a right-to-left override would show "exe.jpg"
        ("a\u{0}b\u{7}c\u{85}d.txt", "abcd.txt"),          // NUL, BEL, NEL
        ("\u{2066}left\u{2069}\u{200F}.pdf", "left.pdf"),
        ("", "file"),
        ("..", "file"),
        ("dir/", "file"),
        ("  spaced name .pdf  ", "spaced name .pdf"),
        ("Größe – Übersicht.pdf", "Größe – Übersicht.pdf"),
    ])
    func namesAreCleaned(_ given: String, _ expected: String) {
        #expect(FileNames.clean(given) == expected)
    }

    @Test func aLongNameKeeps200Characters() {
        let long = String(repeating: "ä", count: 300) + ".txt"
        #expect(FileNames.clean(long).unicodeScalars.count == 200)
        #expect(FileNames.clean(nil) == "file")
    }

    @Test func mimeTypes() {
        #expect(FileNames.isMIMEType("image/png") && FileNames.isMIMEType("application/vnd.ms-excel"))
        #expect(!FileNames.isMIMEType("image") && !FileNames.isMIMEType("image/png; charset=x") && !FileNames.isMIMEType("a/b/c"))
    }

    @Test func sizesInWords() {
        #expect(ByteCount.words(1) == "1 byte" && ByteCount.words(586) == "586 bytes")
        #expect(ByteCount.words(382 * 1024) == "382 KB")
        #expect(ByteCount.words(14 * 1024 * 1024) == "14 MB" && ByteCount.words(1_572_864) == "1.5 MB")
    }

    @Test func onlyTheFourImageTypesAreInline() {
        let html = AttachmentRef(id: "a", filename: "x.png", contentType: "text/html", size: 1, sha256: "", width: nil, height: nil, hasPreview: false)
        let svg = AttachmentRef(id: "a", filename: "x.svg", contentType: "image/svg+xml", size: 1, sha256: "", width: nil, height: nil, hasPreview: false)
        let png = AttachmentRef(id: "a", filename: "x.png", contentType: "image/png", size: 1, sha256: "", width: 1, height: 1, hasPreview: true)
        #expect(!html.inline && !svg.inline && png.inline)
    }
}
