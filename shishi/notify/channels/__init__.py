"""Delivery channels: each turns one rendered message into one send on its service.

The engine (``notify.services``) decides who gets what, when and how often; a channel only
sends what it is handed and says how it went (``base.SendResult``). See ``base``.
"""
