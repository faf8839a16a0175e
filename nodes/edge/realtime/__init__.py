"""Live transports on the edge: Socket.IO, the contracts' raw WebSockets, SSE.

Every transport registers its connections in the edge's `DeliveryHub` (hub.py) under the user's id
and implements `BufferedConnection` (connection.py): the hub subscribes to `rt.user.<id>` for the
user's first local connection and hands each delivery to all of them without waiting. What they
carry is typed: frames.py for the raw WebSockets and SSE, sio_frames.py for Socket.IO's acks.
"""
