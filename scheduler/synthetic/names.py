"""Invented names for towns, streets, facilities and people, a few of them in Cyrillic."""

from __future__ import annotations

import re


def _words(text: str) -> tuple[str, ...]:
    return tuple(text.split())


TOWN_ROOTS = _words(
    "Belo Krasno Novo Zare Lesno Svetlo Yasno Dubro Ozero Sosno Bereze Kamen Zlato "
    "Volgo Sever Yuzhno Gorno Tikho Bystro Chisto Serebryano Zeleno Ryabino Lipo "
    "Kedro Medno Sokolo Orlo Lugo Staro"
)
TOWN_ENDS = _words("gorsk dolsk borsk ozersk yarsk rechensk polye grad slavl vodsk")
STREETS = _words(
    "Lenina Mira Sadovaya Sovetskaya Gagarina Pushkina Lesnaya Shkolnaya Kirova "
    "Tsentralnaya Molodyozhnaya Naberezhnaya Pervomayskaya Oktyabrskaya Chekhova "
    "Lermontova Zelyonaya Polevaya Rabochaya Vokzalnaya Gorkogo Komsomolskaya "
    "Parkovaya Solnechnaya Bolnichnaya"
)
FACILITY_KINDS = (  # by size class small / medium / large: numbered kinds, then unique ones
    ("{town} Polyclinic No.", "{town} Maternity Hospital No.", "{town} Central District Hospital"),
    (
        "{town} City Hospital No.",
        "{town} Children's City Hospital No.",
        "{town} Regional Infectious Diseases Hospital",
        "{town} War Veterans' Hospital",
    ),
    (
        "{town} City Clinical Hospital No.",
        "{town} Emergency Hospital No.",
        "{town} Regional Clinical Hospital",
        "Temporary Hospital at {town} Expo Centre",
    ),
)
MALE = _words(
    "Alexander Alexey Andrey Anton Artyom Boris Denis Dmitry Egor Evgeny Fyodor Gleb "
    "Igor Ilya Ivan Kirill Konstantin Leonid Maxim Mikhail Nikita Nikolai Oleg Pavel "
    "Roman Ruslan Sergey Timur Vadim Viktor Vladimir Yaroslav Yuri Arman Farid David "
    "Mark Daniel Rustam"
)
FEMALE_NAMES = _words(
    "Alina Alla Anastasia Anna Daria Ekaterina Elena Elizaveta Galina Irina "
    "Kristina Ksenia Larisa Lyudmila Maria Marina Natalia Nadezhda Olga Polina "
    "Sofia Svetlana Tatiana Ulyana Valentina Valeria Vera Victoria Yana Yulia "
    "Zarina Amina Aigul Leila"
)
SURNAMES = _words(
    "Ivanov Smirnov Kuznetsov Popov Vasiliev Petrov Sokolov Mikhailov Novikov "
    "Fedorov Morozov Volkov Alekseev Lebedev Semenov Egorov Pavlov Kozlov Orlov "
    "Andreev Makarov Nikitin Zakharov Zaitsev Solovyov Borisov Yakovlev Grigoriev "
    "Romanov Sergeev Kuzmin Frolov Dmitriev Korolev Gusev Kiselev Ilyin Sorokin "
    "Vinogradov Kovalev Belov Medvedev Antonov Tarasov Zhukov Baranov Filippov "
    "Komarov Davydov Gerasimov Bogdanov Osipov Sidorov Matveev Titov Markov Mironov "
    "Krylov Kulikov Karpov Vlasov Melnikov Denisov Tikhonov Kazakov Danilov Fomin "
    "Chernov Abramov Efimov Aliev Khasanov Gareev Kim Tsoi Shevchenko Bondarenko "
    "Kovalenko Kravchenko Melnik Goldberg Petrosyan Kalinin Dobrovolsky Zhelezny"
)
SURNAMES_F = tuple(
    re.sub(r"(sk|n)y$", r"\1aya", re.sub(r"(ov|ev|in|yn)$", r"\1a", name)) for name in SURNAMES
)  # Ivanova, Dobrovolskaya; Kim, Shevchenko unchanged
# A few names in Cyrillic: male/female/surname/their transliterations, for ASCII e-mails.
CYRILLIC = tuple(
    w.split("/")
    for w in _words(
        "Иван/Ольга/Иванов/ivan/olga/ivanov Сергей/Елена/Смирнов/sergey/elena/smirnov "
        "Андрей/Татьяна/Кузнецов/andrey/tatiana/kuznetsov "
        "Дмитрий/Наталья/Соколов/dmitry/natalia/sokolov "
        "Алексей/Анна/Лебедев/alexey/anna/lebedev Михаил/Мария/Козлов/mikhail/maria/kozlov "
        "Павел/Ирина/Новиков/pavel/irina/novikov Николай/Светлана/Морозов/nikolai/svetlana/morozov"
    )
)
