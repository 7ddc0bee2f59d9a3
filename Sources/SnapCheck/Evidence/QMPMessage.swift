import Foundation

/// One top-level QMP message, decoded only as far as a capture needs it: the
/// rest of the object (event data, big replies nobody asked for) is checked
/// as JSON by the decoder and dropped, never built into values.
enum QMPMessage: Decodable {
    /// `{"QMP": {"version": ...}}`, the banner a QEMU prints when a session opens.
    case greeting(version: QMPVersion?)
    /// `{"execute": ...}` or `{"exec-oob": ...}`; `commandLine` only for `human-monitor-command`.
    case request(command: String, id: QMPID?, commandLine: String?)
    /// `{"return": ...}`.
    case reply(id: QMPID?, result: QMPReturn)
    /// `{"error": {"class": ..., "desc": ...}}`.
    case error(id: QMPID?, errorClass: String?, desc: String?)
    /// `{"event": ...}`: never read further.
    case event

    /// Thrown by `init(from:)` for a JSON object with none of QMP's keys.
    struct NotQMP: Error {}

    /// Checks which keys are present before decoding any: a failed decode
    /// builds an error with a description, which costs more than the message.
    init(from decoder: any Decoder) throws {
        let message = try decoder.container(keyedBy: QMPKey.self)
        func text(_ key: QMPKey) -> String? {
            message.contains(key) ? try? message.decode(String.self, forKey: key) : nil
        }
        let id = message.contains(.id) ? try? message.decode(QMPID.self, forKey: .id) : nil
        if message.contains(.greeting) {
            let greeting = try? message.nestedContainer(keyedBy: QMPKey.self, forKey: .greeting)
            let version = greeting.flatMap {
                $0.contains(.version) ? try? $0.decode(QMPVersion.Wire.self, forKey: .version) : nil
            }
            self = .greeting(version: version?.version)
        } else if let command = text(.execute) ?? text(.execOOB) {
            var commandLine: String?
            if command == "human-monitor-command", message.contains(.arguments),
                let arguments = try? message.nestedContainer(keyedBy: QMPKey.self, forKey: .arguments),
                arguments.contains(.commandLine)
            {
                commandLine = try? arguments.decode(String.self, forKey: .commandLine)
            }
            self = .request(command: command, id: id, commandLine: commandLine)
        } else if message.contains(.return) {
            self = .reply(id: id, result: (try? message.decode(QMPReturn.self, forKey: .return)) ?? .other)
        } else if message.contains(.error) {
            let error = try? message.nestedContainer(keyedBy: QMPKey.self, forKey: .error)
            func field(_ key: QMPKey) -> String? {
                error?.contains(key) == true ? try? error?.decode(String.self, forKey: key) : nil
            }
            self = .error(id: id, errorClass: field(.class), desc: field(.desc))
        } else if message.contains(.event) || message.contains(.execute) || message.contains(.execOOB) {
            self = .event  // an event, or a request whose command is not a string: nothing to pair
        } else {
            throw NotQMP()
        }
    }
}

/// The keys this reader looks at.
enum QMPKey: String, CodingKey {
    case greeting = "QMP"
    case execute
    case execOOB = "exec-oob"
    case arguments
    case commandLine = "command-line"
    case id
    case `return`, error, event, `class`, desc, version, qemu, package, major, minor, micro, arch
}

/// Any JSON object key, for objects whose keys are counted or listed.
struct AnyJSONKey: CodingKey {
    var stringValue: String
    var intValue: Int? { nil }
    init(stringValue: String) { self.stringValue = stringValue }
    init?(intValue: Int) { nil }
}

/// A request or reply id: any JSON value (QMP echoes it back unchanged),
/// compared by JSON type and value, so `1`, `true` and `"1"` are three ids.
indirect enum QMPID: Hashable, Sendable, Decodable {
    case null
    case bool(Bool)
    case integer(Int64)
    case number(Double)
    case string(String)
    case array([QMPID])
    case object([String: QMPID])

    init(from decoder: any Decoder) throws {
        if let value = try? decoder.singleValueContainer() {
            if value.decodeNil() {
                self = .null
                return
            }
            if let bool = try? value.decode(Bool.self) {
                self = .bool(bool)
                return
            }
            if let integer = try? value.decode(Int64.self) {
                self = .integer(integer)
                return
            }
            if let number = try? value.decode(Double.self) {
                self = .number(number)
                return
            }
            if let text = try? value.decode(String.self) {
                self = .string(text)
                return
            }
        }
        if var list = try? decoder.unkeyedContainer() {
            var items: [QMPID] = []
            while !list.isAtEnd { items.append(try list.decode(QMPID.self)) }
            self = .array(items)
            return
        }
        let object = try decoder.container(keyedBy: AnyJSONKey.self)
        var members: [String: QMPID] = [:]
        for key in object.allKeys { members[key.stringValue] = try object.decode(QMPID.self, forKey: key) }
        self = .object(members)
    }
}

/// The shapes of a `return` value this reader tells apart.
enum QMPReturn: Decodable {
    /// An array of objects whose only key is a string `name` (possibly empty):
    /// `query-commands` has this shape, and so do `query-events` and others.
    case names([String])
    /// A non-empty array whose entries all have a string `meta-type`
    /// (`query-qmp-schema`): the names of the entries that are commands.
    case schemaCommands([String])
    /// An object: what of it a version (`query-version`) or a target (`query-target`) would hold.
    case object(version: QMPVersion?, hasPackage: Bool, arch: String?, keyCount: Int)
    /// A string (`human-monitor-command`).
    case text(String)
    case other

    init(from decoder: any Decoder) throws {
        if var list = try? decoder.unkeyedContainer() {
            self = Self.list(&list)
        } else if let object = try? decoder.container(keyedBy: AnyJSONKey.self) {
            let keys = object.allKeys.map(\.stringValue)
            let typed = try decoder.container(keyedBy: QMPKey.self)
            let version = keys.contains("qemu") ? try? QMPVersion.Wire(from: decoder).version : nil
            self = .object(
                version: version, hasPackage: keys.contains("package"),
                arch: try? typed.decode(String.self, forKey: .arch), keyCount: keys.count)
        } else if let text = try? decoder.singleValueContainer().decode(String.self) {
            self = .text(text)
        } else {
            self = .other
        }
    }

    /// Reads an array as names or schema commands; anything else is `.other`.
    private static func list(_ list: inout any UnkeyedDecodingContainer) -> QMPReturn {
        let metaTypeKey = AnyJSONKey(stringValue: "meta-type")
        let nameKey = AnyJSONKey(stringValue: "name")
        var names: [String] = []
        var isSchema: Bool?
        while !list.isAtEnd {
            guard let entry = try? list.nestedContainer(keyedBy: AnyJSONKey.self) else { return .other }
            if isSchema == nil { isSchema = entry.contains(metaTypeKey) }
            if isSchema == true {
                guard let metaType = try? entry.decode(String.self, forKey: metaTypeKey) else { return .other }
                if metaType == "command" {
                    guard let name = try? entry.decode(String.self, forKey: nameKey) else { return .other }
                    names.append(name)
                }
            } else {
                guard entry.allKeys.count == 1, let name = try? entry.decode(String.self, forKey: nameKey) else {
                    return .other
                }
                names.append(name)
            }
        }
        return isSchema == true ? .schemaCommands(names) : .names(names)
    }
}

extension QMPVersion {
    /// `{"qemu": {"major": 2, "minor": 12, "micro": 0}, "package": "..."}` as QMP sends it.
    struct Wire: Decodable {
        var version: QMPVersion

        init(from decoder: any Decoder) throws {
            let object = try decoder.container(keyedBy: QMPKey.self)
            let qemu = try object.nestedContainer(keyedBy: QMPKey.self, forKey: .qemu)
            version = QMPVersion(
                major: try qemu.decode(Int.self, forKey: .major), minor: try qemu.decode(Int.self, forKey: .minor),
                micro: try qemu.decode(Int.self, forKey: .micro),
                package: (try? object.decodeIfPresent(String.self, forKey: .package)) ?? "")
        }
    }
}
