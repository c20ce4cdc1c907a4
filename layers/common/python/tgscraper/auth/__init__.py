"""QR login: the flow's state store and the service behind /api/v3/auth/qr."""
