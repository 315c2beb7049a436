"""The operators' control room (/admin), as services without aiogram: statistics, people, models and their
health, broadcasts, promo codes. The Telegram side (routers/admin.py, routers/promo.py, views/admin.py)
only parses, calls these and renders; ``sending`` is the worker's adapter that puts broadcasts on Telegram.
"""
