use hoist_core::engine::{Command, EngineEvents, EngineHandle, Event};

/// What the window talks to: the engine, or a fake in tests. Sending never blocks.
pub trait Backend {
    /// Sends a command; the error is a message for people.
    fn send(&self, command: Command) -> Result<(), String>;
    /// The next event, if one is ready.
    fn try_recv(&mut self) -> Option<Event>;
    /// The engine's runtime for one-off jobs (connection tests, sign-ins), when there is one.
    fn jobs(&self) -> Option<tokio::runtime::Handle> {
        None
    }
}

/// The real engine behind the window. Dropping it stops the engine (uploads stay resumable).
pub struct EngineBackend {
    handle: EngineHandle,
    events: EngineEvents,
}

impl EngineBackend {
    /// Wraps the two ends returned by [`hoist_core::engine::Engine::start`].
    pub fn new(handle: EngineHandle, events: EngineEvents) -> EngineBackend {
        EngineBackend { handle, events }
    }
}

impl Backend for EngineBackend {
    fn send(&self, command: Command) -> Result<(), String> {
        self.handle.send(command).map_err(|e| e.to_string())
    }

    fn try_recv(&mut self) -> Option<Event> {
        self.events.try_recv()
    }

    fn jobs(&self) -> Option<tokio::runtime::Handle> {
        Some(self.handle.jobs())
    }
}

impl Drop for EngineBackend {
    fn drop(&mut self) {
        self.handle.shutdown();
    }
}

/// A backend made of two plain channels, for tests and tools: commands go out on `commands`,
/// events come in on `events`.
pub struct ChannelBackend {
    /// Where commands go.
    pub commands: std::sync::mpsc::Sender<Command>,
    /// Where events come from.
    pub events: std::sync::mpsc::Receiver<Event>,
}

impl ChannelBackend {
    /// A backend on two new channels, with their far ends: the receiver of the commands the
    /// window sends, and the sender of the events it gets.
    pub fn new() -> (
        ChannelBackend,
        std::sync::mpsc::Receiver<Command>,
        std::sync::mpsc::Sender<Event>,
    ) {
        let (commands, command_rx) = std::sync::mpsc::channel();
        let (event_tx, events) = std::sync::mpsc::channel();
        (ChannelBackend { commands, events }, command_rx, event_tx)
    }
}

impl Backend for ChannelBackend {
    fn send(&self, command: Command) -> Result<(), String> {
        self.commands
            .send(command)
            .map_err(|_| "the upload engine has stopped".to_string())
    }

    fn try_recv(&mut self) -> Option<Event> {
        self.events.try_recv().ok()
    }
}
