// Conditions read as rpm reads them: every `%if`/`%elif` expression is
// expanded and evaluated by librpm at the moment rpm evaluates it, and what it
// read is recorded, so the parent never reasons with a value rpm did not use.

extension SpecSource {
    // MARK: Recording conditions

    /// Whether the condition on `line` (1-based) is rewritten by `recordingConditions`:
    /// an `%if`/`%elif` expression on one physical line.
    func recordsCondition(atLine line: Int) -> Bool {
        guard line >= 1, line <= lines.count else { return false }
        return Self.isRecordable(lines[line - 1])
    }

    static func isRecordable(_ line: Substring) -> Bool {
        guard let keyword = directive(of: line), keyword == "if" || keyword == "elif" else { return false }
        return !endsWithContinuation(line) && bracesNest(line)
    }

    /// Whether every `}` of `line` closes an earlier `{`, and every `{` is closed: only then can the
    /// line stand inside `%{lua:…}` (`%if "}" == "{"` cannot; it keeps rpm's own evaluation).
    private static func bracesNest(_ line: Substring) -> Bool {
        var depth = 0
        for byte in line.utf8 {
            if byte == UInt8(ascii: "{") { depth += 1 }
            if byte == UInt8(ascii: "}") {
                depth -= 1
                if depth < 0 { return false }
            }
        }
        return depth == 0
    }

    /// `text` (what rpm is given) with every recordable condition `%if EXPR`
    /// rewritten as `%if %{lua:…}`: rpm expands that Lua where it would expand
    /// the line, and the Lua expands EXPR itself (`rpm.expand`, the same
    /// expansion rpm gives the line) and prints it, so rpm evaluates exactly what
    /// it would have. On the side it records, per line: the value (`%[…]`,
    /// evaluated then), the refused-expansion markers the expansion holds (then
    /// it prints `0` instead, so a marker never breaks the parse: the branch
    /// taken is arbitrary and the condition unknown), and which of `hostMacros`
    /// it reads (expanded again with each of them defined as a marker of its own:
    /// a marker in the result names the macro; a result that differs without one,
    /// as `%{defined:rhel}` gives, is traced to its macros one by one), and which
    /// macros it tests by name (`%{?x}`, `%{defined:x}`) that nothing has defined
    /// there: a builder's configuration may (`%_unitdir`, `%amzn`), so they count
    /// as the host's too; `%{with}` switches (`with_x`) are the spec's own.
    /// Line count and every other byte are kept. `conditionRecordQuery` reads the records back.
    ///
    /// A condition that reads a macro in `expandedOnce` (one whose expansion
    /// defines or runs something: `SpecSource.macrosWithSideEffects`) is expanded
    /// once only, as rpm expands it: its host macros are then found in the text alone.
    static func recordingConditions(_ text: String, hostMacros: [String], expandedOnce: Set<String> = []) -> String {
        var out: [UInt8] = []
        out.reserveCapacity(text.utf8.count + 4096)
        forEachLine(of: text) { index, bytes in
            if index > 0 { out.append(0x0A) }
            // Only a line starting with `%` can be a condition: the others are copied as bytes.
            guard startsWithPercent(bytes) else {
                out.append(contentsOf: bytes)
                return
            }
            let raw = Substring(String(decoding: bytes, as: UTF8.self))
            let cr = raw.hasSuffix("\r")
            let line = cr ? raw.dropLast() : raw
            guard isRecordable(line), let keyword = directive(of: line) else {
                out.append(contentsOf: bytes)
                return
            }
            let indent = line.prefix { $0 == " " || $0 == "\t" }
            let expression = line.dropFirst(indent.count + 1 + keyword.count)
            let once = macroReferences(in: expression).contains { expandedOnce.contains($0.name) }
            out +=
                "\(indent)%\(keyword) %{lua:\(recorderDefinition(hostMacros)) SNAPCHECK_IF(\(index + 1),\(luaLongString(expression)),\(once))}"
                .utf8
            if cr { out.append(0x0D) }
        }
        return String(decoding: out, as: UTF8.self)
    }

    /// Expanded right after the parse: one line per condition rpm evaluated,
    /// `LINE\tVALUE\tMARKERS\tHOSTMACROS` (VALUE `?` when not known).
    static let conditionRecordQuery = "%{lua:if SNAPCHECK_IFS then print(table.concat(SNAPCHECK_IFS, \"\\n\")) end}"

    /// The records of `conditionRecordQuery`'s expansion, by line.
    static func conditionRecords(_ expansion: String?) -> [Int: ConditionRecord] {
        guard let expansion else { return [:] }
        var records: [Int: ConditionRecord] = [:]
        for row in expansion.split(separator: "\n") {
            let fields = row.split(separator: "\t", omittingEmptySubsequences: false)
            guard fields.count == 4, let line = Int(fields[0]) else { continue }
            let value = fields[1].trimmingWhitespace
            let record = ConditionRecord(
                value: value == "?" ? nil : value,
                refusedMarkers: fields[2].split(separator: ",").compactMap { Int($0) },
                hostMacros: fields[3].split(separator: ",").map(String.init))
            // A line evaluated twice with different outcomes (an %include) is not known.
            if let earlier = records[line], earlier != record {
                records[line] = ConditionRecord(
                    value: nil, refusedMarkers: earlier.refusedMarkers + record.refusedMarkers,
                    hostMacros: earlier.hostMacros + record.hostMacros)
            } else {
                records[line] = record
            }
        }
        return records
    }

    /// The Lua function the rewritten conditions call, defined by the first one rpm runs.
    private static func recorderDefinition(_ hostMacros: [String]) -> String {
        let names = hostMacros.map { "\"\($0)\"" }.joined(separator: ",")
        // Expanding again has side effects when the expression defines macros or runs code: no host check
        // then (`%{defined:}` and `%{undefined:}` only test, so they do not count as defining).
        return """
            if not SNAPCHECK_IF then SNAPCHECK_IFS={} SNAPCHECK_IF=function(n,x,once) local e=rpm.expand(x) local r={} \
            for m in e:gmatch("\(RefusedExpansion.markerPrefix)(%d+)Z") do r[#r+1]=m end local h={} \
            local y=(x:gsub("defined:","")) \
            if #r==0 and not once and not (y:find("global",1,true) or y:find("define",1,true) or x:find("expand",1,true) or x:find("lua",1,true) or x:find("%(",1,true)) then \
            local hs={\(names)} for i,name in ipairs(hs) do rpm.define(name.." \(hostMarkerPrefix)"..i.."Z") end local e2=rpm.expand(x) \
            for i,name in ipairs(hs) do rpm.undefine(name) end for m in e2:gmatch("\(hostMarkerPrefix)(%d+)Z") do h[#h+1]=hs[tonumber(m)] end \
            if #h==0 and e2~=e then for i,name in ipairs(hs) do rpm.define(name.." \(hostMarkerPrefix)"..i.."Z") \
            if rpm.expand(x)~=e then h[#h+1]=name end rpm.undefine(name) end end \
            if x:find("getenv",1,true) then h[#h+1]="getenv" end \
            local u={} local b="%%"..string.char(123) for _,p in ipairs({b.."!?%?([%w_]+)",b.."defined:([%w_]+)",b.."undefined:([%w_]+)"}) do for name in x:gmatch(p) do \
            if not u[name] and not name:match("^_?with") and rpm.expand("%{?"..name..":1}")=="" then u[name]=1 h[#h+1]=name end end end end \
            local v,out if #r>0 then v="?" out="0" else out=e if e:find("%",1,true) or e:find("\\n",1,true) then v="?" else v=rpm.expand("%["..e.."]") end end \
            SNAPCHECK_IFS[#SNAPCHECK_IFS+1]=n.."\\t"..v.."\\t"..table.concat(r,",").."\\t"..table.concat(h,",") print(out) end end
            """
    }

    static let hostMarkerPrefix = "SNAPCHECKHOST"

    /// `text` as a Lua long string whose brackets it does not contain.
    private static func luaLongString(_ text: Substring) -> String {
        var level = 0
        while text.contains("]" + String(repeating: "=", count: level) + "]") { level += 1 }
        let eq = String(repeating: "=", count: level)
        return "[\(eq)[\(text)]\(eq)]"
    }
}

/// What rpm read when it evaluated one condition.
struct ConditionRecord: Sendable, Hashable {
    /// The value `%[EXPR]` gave then; nil when not known (a refused expansion in it, a literal `%`).
    var value: String?
    /// Numbers of the refused-expansion markers its expansion held (`RefusedExpansion.marker`).
    var refusedMarkers: [Int]
    /// Macros of the auditing host (or undefined by snapcheck) its expansion read.
    var hostMacros: [String]
}
