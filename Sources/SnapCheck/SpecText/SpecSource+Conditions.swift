// The %if-family conditions of the original spec text, as a tree.

import Foundation

extension SpecSource {
    /// The `%if`/`%ifarch`/`%elif`… conditions enclosing `line`, outermost first; a line
    /// after the last gives the conditions still open at the end of the file.
    @_spi(Fuzzing) public func enclosingConditions(ofLine line: Int) -> [SpecCondition] {
        guard line >= 1 else { return [] }
        var result: [SpecCondition] = []
        var node = conditionAtLine[min(line, lines.count + 1) - 1]
        while node >= 0 {
            result.append(conditionNodes[node].condition)
            node = conditionNodes[node].parent
        }
        return result.reversed()
    }

    /// Every `%if`-family condition of the text, once each (its `%if` part), in line order.
    @_spi(Fuzzing) public var allConditions: [SpecCondition] {
        var seen = Set<Int>()
        return conditionNodes.map(\.condition).filter { !$0.inElseBranch && seen.insert($0.line).inserted }
    }

    /// Builds the condition tree: for each line (and one past the last), the innermost
    /// condition node open before it; nodes link to their enclosing node.
    static func conditionTree(_ lines: [Substring]) -> (nodes: [(condition: SpecCondition, parent: Int)], atLine: [Int])
    {
        var nodes: [(condition: SpecCondition, parent: Int)] = []
        var atLine: [Int] = []
        atLine.reserveCapacity(lines.count + 1)
        var chain: [Int] = []
        var frameSizes: [Int] = []
        func markTopAsElse() {
            guard let top = chain.last else { return }
            var copy = nodes[top]
            copy.condition.inElseBranch = true
            nodes.append(copy)
            chain[chain.count - 1] = nodes.count - 1
        }
        for (index, line) in lines.enumerated() {
            atLine.append(chain.last ?? -1)
            guard let keyword = directive(of: line) else { continue }
            switch keyword {
            case "else":
                if !frameSizes.isEmpty { markTopAsElse() }
            case "endif":
                if let size = frameSizes.popLast() { chain.removeLast(size) }
            default:
                let text = line.trimmingCharacters(in: .whitespaces)
                let condition = Self.condition(line: index + 1, text: text, keyword: keyword)
                if keyword.hasPrefix("elif"), !frameSizes.isEmpty {
                    markTopAsElse()
                    frameSizes[frameSizes.count - 1] += 1
                } else {
                    frameSizes.append(1)
                }
                nodes.append((condition, chain.last ?? -1))
                chain.append(nodes.count - 1)
            }
        }
        atLine.append(chain.last ?? -1)
        return (nodes, atLine)
    }

    static func condition(line: Int, text: String, keyword: String) -> SpecCondition {
        let expression = text.dropFirst(keyword.count + 1)
        var names: [String] = []
        var bconds: [String] = []
        for reference in macroReferences(in: expression) where !builtinMacros.contains(reference.name) {
            if !names.contains(reference.name) { names.append(reference.name) }
            if reference.isBcond, !bconds.contains(reference.name) { bconds.append(reference.name) }
        }
        return SpecCondition(
            line: line, text: text, inElseBranch: false, macroNames: names, bcondNames: bconds,
            keyword: keyword, expression: expression.trimmingWhitespace)
    }

    static let builtinMacros: Set<String> = [
        "expand", "nil", "lua", "quote", "shrink", "verbose", "getenv", "echo", "warn", "error",
    ]
}
