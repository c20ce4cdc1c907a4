"""Threads of a dialog: forum topics (their list, and a topic's messages) and a channel
post's comment thread, read through messages.getForumTopics and messages.getReplies."""
