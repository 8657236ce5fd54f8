//! The maps of the published code (vicgalle/llm-policies-social-dilemmas): `@` wall, `.` or
//! space floor, `P` start point, `A` apple cell; in Cleanup `R` river, `H` river that starts
//! wasted, `S` stream. Rows shorter than the longest are padded with floor, as there.

/// Gathering, 10 rows by 18 columns.
pub(crate) const GATHERING_SMALL: &[&str] = &[
    "@@@@@@@@@@@@@@@@@@",
    "@P.....A.A.....P@",
    "@......A.A......@",
    "@......A.A......@",
    "@......A.A......@",
    "@......A.A......@",
    "@......A.A......@",
    "@......A.A......@",
    "@................@",
    "@@@@@@@@@@@@@@@@@@",
];

/// Gathering, 21 rows by 29 columns (the default).
pub(crate) const GATHERING: &[&str] = &[
    "@@@@@@@@@@@@@@@@@@@@@@@@@",
    "@P.........AAA.........@",
    "@..........AAA.........@",
    "@..........AAA..........@",
    "@..........AAA..........@",
    "@..........AAA..........@",
    "@..........AAA..........@",
    "@..........AAA..........@",
    "@..........AAA..........@",
    "@..........AAA..........@",
    "@...........................@",
    "@...........................@",
    "@..........AAA..........@",
    "@..........AAA..........@",
    "@..........AAA..........@",
    "@..........AAA..........@",
    "@..........AAA..........@",
    "@..........AAA..........@",
    "@..........AAA..........@",
    "@..........AAA.........P@",
    "@@@@@@@@@@@@@@@@@@@@@@@@@",
];

/// Gathering, 16 rows by 38 columns.
pub(crate) const GATHERING_LARGE: &[&str] = &[
    "@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@",
    "@.P...P......A....P.AAAAA....P..A.P.@",
    "@..P.....A.P.AA....P....AAA....A..A.@",
    "@.....A.AAA..AAA....A....A.AA.AAAA..@",
    "@.A..AAA.A....A..A.AAA..A..A...A.A..@",
    "@AAA..A.A....A..AAA.A..AAA........A.P@",
    "@.A.A..AAA..AAA..A.A....A.AA...AA.AA@",
    "@..A.A..AAA....A.A..AAA....AAA..A...@",
    "@...AAA..A......AAA..A....AAAA......@",
    "@.P..A.......A..A.AAA....A..A......P@",
    "@A..AAA..A..A..AAA.A....AAAA.....P..@",
    "@....A.A...AAA..A.A......A.AA...A.P.@",
    "@.....AAA...A.A..AAA......AA...AAA.P@",
    "@.A....A.....AAA..A..P..........A...@",
    "@.......P.....A.........P..P.P.....P@",
    "@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@",
];

/// Cleanup, 25 rows by 18 columns (the default).
pub(crate) const CLEANUP: &[&str] = &[
    "@@@@@@@@@@@@@@@@@@",
    "@RRRRRR     AAAAA@",
    "@HHHHHH      AAAA@",
    "@RRRRRR     AAAAA@",
    "@RRRRR  P    AAAA@",
    "@RRRRR    P AAAAA@",
    "@HHHHH       AAAA@",
    "@RRRRR      AAAAA@",
    "@HHHHHHSSSSSSAAAA@",
    "@HHHHHHSSSSSSAAAA@",
    "@RRRRR   P P AAAA@",
    "@HHHHH   P  AAAAA@",
    "@RRRRRR    P AAAA@",
    "@HHHHHH P   AAAAA@",
    "@RRRRR       AAAA@",
    "@HHHH    P  AAAAA@",
    "@RRRRR       AAAA@",
    "@HHHHH  P P AAAAA@",
    "@RRRRR       AAAA@",
    "@HHHH       AAAAA@",
    "@RRRRR       AAAA@",
    "@HHHHH      AAAAA@",
    "@RRRRR       AAAA@",
    "@HHHH       AAAAA@",
    "@@@@@@@@@@@@@@@@@@",
];

/// Cleanup, 11 rows by 13 columns.
pub(crate) const CLEANUP_SMALL: &[&str] = &[
    "@@@@@@@@@@@@@",
    "@RRR   AAAAA@",
    "@HHH   AAAAA@",
    "@RRRSS AAAAA@",
    "@RR  P AAAAA@",
    "@HH  P AAAAA@",
    "@RR  P AAAAA@",
    "@RRRSS AAAAA@",
    "@HHH   AAAAA@",
    "@RRR   AAAAA@",
    "@@@@@@@@@@@@@",
];
