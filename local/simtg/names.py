"""Name and title pools for generated entities (mixed scripts on purpose:
Cyrillic, accents and emoji are what break naive search and encoding code)."""

from __future__ import annotations

# fmt: off
FIRST_NAMES = ["Alice", "Bob", "Иван", "Мария", "José", "Zoë", "François", "Ольга", "Chen",
               "Aiko", "Søren", "Łukasz", "Emma", "Noah", "Дмитрий", "Ana", "Jürgen", "Renée",
               "Omar", "Lucía"]
LAST_NAMES = ["Smith", "Петров", "García", "Müller", "Dubois", None, "Kowalski", "Tanaka",
              "Иванова", None, "O'Brien", "Nørgaard"]
BOT_NAMES = ["Weather", "News", "Quiz", "Helper", "Translate", "Music"]
GROUP_TITLES = ["Family 👨‍👩‍👧", "Weekend hiking", "Одноклассники", "Book club 📚", "Flat 4B",
                "Équipe projet", "Board games", "Футбол по средам", "Wedding planning 💍"]
SUPERGROUP_TITLES = ["Python Devs 🐍", "Rust Community", "Криптотрейдеры", "Remote Work Café ☕",
                     "Photography Lovers 📷", "Español para todos", "DevOps Chat", "Инвесторы",
                     "Machine Learning 🤖", "Startup Founders", "Linux Users", "Gamers United 🎮"]
CHANNEL_TITLES = ["Crypto News", "Новости Москвы", "Tech Daily 💻", "Le Monde Éco",
                  "Rocket Launches 🚀", "Спорт Экспресс", "Weather Alerts ⛈", "Music Charts 🎵",
                  "Книжная полка", "Travel Deals ✈️", "Física Cuántica", "Memes 😂",
                  "World Politics", "Кино и сериалы 🎬", "Daily Quotes ✨", "Science Digest 🔬"]
FOLDERS = [("Work 💼", "💼"), ("Новости", "📰"), ("Bots & Contacts", "🤖"), ("Unread", "📬"),
           ("Café ☕", "☕"), ("Family", "🏠")]
# fmt: on


def pick_title(pool: list[str], i: int) -> str:
    """The i-th title, numbered once the pool runs out so titles stay unique."""
    return pool[i % len(pool)] + ("" if i < len(pool) else f" #{i // len(pool) + 1}")
