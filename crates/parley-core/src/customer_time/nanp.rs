//! The time zone of a US or Canadian number's area code, where one zone holds most of the
//! people it serves.
//!
//! `phonenumber` (libphonenumber's metadata as this crate ships it) gives a number's country but
//! neither geocoding nor time zones, and the US and Canada span six zones each, so this small
//! table maps each geographic area code (NANPA's assignments, overlays included) to the zone of
//! most of its area. Codes that straddle a zone line about evenly (Florida's 850/448, southern
//! Indiana's 812/930, Canada's northern 867) are left out on purpose, as are non-geographic codes
//! (toll free 8xx, 500, 900…): the pane then says "several time zones" rather than guess.
//! A code missing here is treated the same way, so the table can only be incomplete, never
//! wrong by omission. Territories with their own country (Puerto Rico, Guam…) are found by
//! country, not here.

/// (zone, area codes).
const AREA_ZONES: &[(&str, &[u16])] = &[
    (
        "America/New_York",
        &[
            // CT, DE, DC, FL (peninsula), GA
            203, 475, 860, 959, 302, 202, 771, 239, 305, 321, 324, 352, 386, 407, 561, 645, 656,
            689, 727, 728, 754, 772, 786, 813, 863, 904, 941, 954, 229, 404, 470, 478, 678, 706,
            762, 770, 912, 943, //
            // IN (most), KY (east), ME, MD, MA, MI (most)
            260, 317, 463, 574, 765, 502, 606, 859, 207, 227, 240, 301, 410, 443, 667, 339, 351,
            413, 508, 617, 774, 781, 857, 978, 231, 248, 269, 313, 517, 586, 616, 679, 734, 810,
            906, 947, 989, //
            // NH, NJ, NY, NC, OH
            603, 201, 551, 609, 640, 732, 848, 856, 862, 908, 973, 212, 315, 329, 332, 347, 363,
            516, 518, 585, 607, 624, 631, 646, 680, 716, 718, 838, 845, 914, 917, 929, 934, 252,
            336, 472, 704, 743, 828, 910, 919, 980, 984, 216, 220, 234, 283, 326, 330, 380, 419,
            436, 440, 513, 567, 614, 740, 937, //
            // PA, RI, SC, TN (east), VT, VA, WV
            215, 223, 267, 272, 412, 445, 484, 570, 582, 610, 717, 724, 814, 835, 878, 401, 803,
            821, 839, 843, 854, 864, 423, 865, 802, 276, 434, 540, 571, 686, 703, 757, 804, 826,
            948, 304, 681,
        ],
    ),
    (
        "America/Chicago",
        &[
            // AL, AR, IL, IN (north-west), IA, KS, KY (west), LA
            205, 251, 256, 334, 483, 659, 938, 327, 479, 501, 870, 217, 224, 309, 312, 331, 447,
            464, 618, 630, 708, 730, 773, 779, 815, 847, 861, 872, 219, 319, 515, 563, 641, 712,
            316, 620, 785, 913, 270, 364, 225, 318, 337, 457, 504, 985, //
            // MN, MS, MO, NE, ND, OK, SD, TN (middle, west)
            218, 320, 507, 612, 651, 763, 924, 952, 228, 601, 662, 769, 235, 314, 417, 557, 573,
            636, 660, 816, 975, 308, 402, 531, 701, 405, 539, 572, 580, 918, 605, 615, 629, 731,
            901, 931, //
            // TX (all but El Paso), WI
            210, 214, 254, 281, 325, 346, 361, 409, 430, 432, 469, 512, 682, 713, 726, 737, 806,
            817, 830, 832, 903, 936, 940, 945, 956, 972, 979, 262, 274, 353, 414, 534, 608, 715,
            920,
        ],
    ),
    (
        "America/Denver",
        &[
            // CO, ID (south), MT, NM, UT, WY, El Paso
            303, 719, 720, 970, 983, 208, 986, 406, 505, 575, 385, 435, 801, 307, 915,
        ],
    ),
    ("America/Phoenix", &[480, 520, 602, 623, 928]),
    (
        "America/Los_Angeles",
        &[
            // CA
            209, 213, 279, 310, 323, 341, 350, 357, 369, 408, 415, 424, 442, 510, 530, 559, 562,
            619, 626, 628, 650, 657, 661, 669, 707, 714, 738, 747, 760, 805, 818, 820, 831, 837,
            840, 858, 909, 916, 925, 949, 951, //
            // NV, OR, WA
            702, 725, 775, 458, 503, 541, 971, 206, 253, 360, 425, 509, 564,
        ],
    ),
    ("America/Anchorage", &[907]),
    ("Pacific/Honolulu", &[808]),
    // Canada.
    (
        "America/Toronto",
        &[
            // ON (all but the north-west), QC
            226, 249, 289, 343, 365, 382, 387, 416, 437, 519, 548, 613, 647, 683, 705, 742, 753,
            807, 905, 942, 263, 354, 367, 418, 438, 450, 468, 514, 579, 581, 819, 873,
        ],
    ),
    ("America/Winnipeg", &[204, 431, 584]),
    ("America/Regina", &[306, 474, 639]),
    ("America/Edmonton", &[368, 403, 587, 780, 825]),
    ("America/Vancouver", &[236, 250, 257, 604, 672, 778]),
    ("America/Halifax", &[428, 506, 782, 902]),
    ("America/St_Johns", &[709, 879]),
];

/// The zone of most of the area code's area, when one holds most of it.
pub(super) fn area_zone(area_code: u16) -> Option<&'static str> {
    AREA_ZONES
        .iter()
        .find(|(_, codes)| codes.contains(&area_code))
        .map(|(zone, _)| *zone)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn each_area_code_is_in_one_zone_and_each_zone_is_known() {
        let mut seen = std::collections::HashSet::new();
        for (zone, codes) in AREA_ZONES {
            assert!(zone.parse::<chrono_tz::Tz>().is_ok(), "{zone}");
            for c in *codes {
                assert!((200..1000).contains(c), "{c}");
                assert!(seen.insert(*c), "{c} twice");
            }
        }
        for straddling in [850, 448, 812, 930, 867, 800, 888] {
            assert_eq!(area_zone(straddling), None, "{straddling}");
        }
    }
}
