"""Live transports on the edge: Socket.IO, the contracts' raw WebSockets, SSE."""
