import SwitchboardCore

/// Private notes in memory, the author's current name joined on read as SQLite joins it.
extension MemoryRows {
    func notes(conversationId: String) throws -> [Note] {
        state.notes.filter { $0.conversationId == conversationId }.map { note in
            var note = note
            note.author.displayName = state.agents[note.author.id]?.displayName ?? note.author.displayName
            return note
        }
    }

    func insertNote(_ note: Note) throws {
        state.notes.append(note)
    }
}
